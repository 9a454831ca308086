import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { niceTicks, svgLineChart } from '../../src/experiments/report/svg-line-chart';

/**
 * A small XML well-formedness check: one root element, every tag closed in order, attributes quoted,
 * only the five predefined entities, no stray '<' or '&'. Returns the element names in document order.
 */
function checkXml(text: string): string[] {
  const body = text.replace(/^<\?xml[^?]*\?>\s*/, '');
  const stack: string[] = [];
  const names: string[] = [];
  let roots = 0;
  const tag = /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+="[^"<]*")*)\s*(\/?)>/y;
  let i = 0;
  while (i < body.length) {
    const lt = body.indexOf('<', i);
    const text = body.slice(i, lt < 0 ? body.length : lt);
    for (const amp of text.matchAll(/&[^;]*;?/g)) {
      assert.match(amp[0], /^&(amp|lt|gt|quot|apos);$/, `bad entity ${amp[0]}`);
    }
    if (stack.length === 0) assert.equal(text.trim(), '', 'text outside the root element');
    if (lt < 0) break;
    tag.lastIndex = lt;
    const m = tag.exec(body);
    assert.ok(m, `malformed tag at ${lt}: ${body.slice(lt, lt + 60)}`);
    for (const v of m[3].matchAll(/="([^"]*)"/g)) {
      for (const amp of v[1].matchAll(/&[^;]*;?/g)) assert.match(amp[0], /^&(amp|lt|gt|quot|apos);$/);
    }
    const [, close, name, , selfClose] = m;
    if (close) {
      assert.equal(stack.pop(), name, `</${name}> closes the wrong element`);
    } else {
      if (stack.length === 0) roots++;
      names.push(name);
      if (!selfClose) stack.push(name);
    }
    i = tag.lastIndex;
  }
  assert.equal(stack.length, 0, `unclosed: ${stack.join(', ')}`);
  assert.equal(roots, 1, 'exactly one root element');
  return names;
}

describe('svgLineChart', () => {
  it('writes well-formed SVG with one group per series, escaping names and titles', () => {
    const svg = svgLineChart({
      title: 'valid <PPL> & "time"', xLabel: 'epoch', yLabel: 'perplexity',
      series: [
        { name: 'K=5', points: [[0, 6], [1, 2], [2, 1.6]] },
        { name: 'δ=0.1 <adaptive> & \'x\'', points: [[0, 6], [1, NaN], [2, 1.1], [3, 1.05]] },
        { name: 'one point', points: [[1, 3]] },
      ],
    });
    const names = checkXml(svg);
    assert.equal(names[0], 'svg');
    assert.equal((svg.match(/<g class="series"/g) ?? []).length, 3);
    assert.ok(svg.includes('δ=0.1 &lt;adaptive&gt; &amp; &apos;x&apos;'));
    // The NaN point splits the second series into a one-point piece and a two-point line.
    const second = svg.split('<g class="series"')[2];
    assert.equal((second.match(/<polyline/g) ?? []).length, 1);
    assert.equal((second.match(/<circle/g) ?? []).length, 1);
  });

  it('log scale drops non-positive values; step lines add a corner per change; empty charts are still valid', () => {
    const log = svgLineChart({ title: 't', xLabel: 'x', yLabel: 'y', yLog: true, series: [{ name: 'a', points: [[0, 0], [1, 0.1], [2, 0.01], [3, Infinity]] }] });
    checkXml(log);
    const poly = log.match(/points="([^"]*)"/)?.[1].split(' ') ?? [];
    assert.equal(poly.length, 2);
    const step = svgLineChart({ title: 't', xLabel: 'x', yLabel: 'y', step: true, series: [{ name: 'K', points: [[0, 15], [1, 5], [2, 20]] }] });
    assert.equal(step.match(/points="([^"]*)"/)?.[1].split(' ').length, 5);
    checkXml(svgLineChart({ title: 'empty', xLabel: 'x', yLabel: 'y', series: [] }));
  });

  it('ticks are round numbers covering the range', () => {
    assert.deepEqual(niceTicks(0, 10), [0, 2, 4, 6, 8, 10]);
    assert.deepEqual(niceTicks(1.02, 1.9), [1.2, 1.4, 1.6, 1.8]);
  });
});
