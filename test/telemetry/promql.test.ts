import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { catalogMetrics, checkMetricNames } from './catalog-names';
import { promqlNames, substituteGrafanaVariables, withBoolComparisons } from './promql';

describe('promql test helper', () => {
  it('finds metric names, matcher labels and grouping labels; skips functions, keywords, strings and ranges', () => {
    const n = promqlNames('histogram_quantile(0.9, sum by (le) (rate(a_bucket{instance=~"$x",job!="b{c}"}[$__rate_interval]))) / on (instance) group_left b_total');
    assert.deepEqual(n.selectors, [{ metric: 'a_bucket', matcherLabels: ['instance', 'job'] }, { metric: 'b_total', matcherLabels: [] }]);
    assert.deepEqual(n.groupingLabels, ['le', 'instance']);
    assert.deepEqual(promqlNames('increase(x{reason="beta-ge-1"}[30m]) > 3').selectors, [{ metric: 'x', matcherLabels: ['reason'] }]);
    assert.throws(() => promqlNames('{__name__="x"}'), /without a metric name/);
  });

  it('turns comparisons outside selectors into bool comparisons', () => {
    assert.equal(withBoolComparisons('a{r!="x"} > 3 and on (i) b == 0'), 'a {r!="x"} > bool 3 and on ( i ) b == bool 0');
    assert.equal(withBoolComparisons('a > bool 1'), 'a > bool 1');
  });

  it('substitutes Grafana variables', () => {
    assert.equal(substituteGrafanaVariables('rate(a{instance=~"$instance"}[$__rate_interval])'), 'rate(a{instance=~".*"}[1m])');
  });

  it('catalog check rejects unknown metrics, labels the metric does not have, and foreign grouping labels', async () => {
    const c = await catalogMetrics(new Registry());
    checkMetricNames('sum by (reason) (rate(tbptt_dead_letters_total{reason="x",instance="i"}[1m]))', c, 'ok');
    checkMetricNames('histogram_quantile(0.5, sum by (le) (rate(tbptt_window_loss_bucket[1m])))', c, 'ok');
    assert.throws(() => checkMetricNames('tbptt_truncation_lenght', c, 't'), /not in the metric catalog/);
    assert.throws(() => checkMetricNames('tbptt_loss{topic="a"}', c, 't'), /has no label topic/);
    assert.throws(() => checkMetricNames('sum by (topic) (tbptt_dead_letters_total)', c, 't'), /groups by topic/);
    assert.throws(() => checkMetricNames('tbptt_loss_bucket', c, 't'), /not in the metric catalog/);
  });
});
