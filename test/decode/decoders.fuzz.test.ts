/**
 * Fuzz test of the decoders (issue 6, deliverable 5): through each decoder (json, text, csv), FUZZ_MESSAGES
 * (default 100,000) generated messages, shared among that decoder's configurations: hostile messages — random bytes, huge values, 10^5-level nesting, wrong types,
 * NaN/Inf, wrong dimensions, unknown tokens, empty values, missing keys, byte mutations of valid messages —
 * plus some valid ones (the generators are in ./hostile-messages). Checks: no decoder throws; every result is
 * either records that pass an independent re-validation (not the decoders' code), or a failure with a known
 * reason and a short detail that becomes a dead letter carrying the original bytes. Where a case has exactly
 * one known defect, the reason must be that defect's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { createDecoder } from '../../src/decode/create-decoder';
import { toDeadLetter } from '../../src/decode/dead-letter';
import { DECODE_FAILURE_REASONS } from '../../src/decode/decode-failure';
import { createRng } from '../../src/util/rng';
import { csvSpec } from './messages';
import { DENSE, TOKENS_CLASSES, TOKENS_NEXT, csvTarget, jsonTarget, textByteTarget, textCharTarget, type Case, type Target } from './hostile-messages';

/** Messages per decoder (format), split evenly among its configurations; raise it for a longer run. */
const MESSAGES = Number(process.env.FUZZ_MESSAGES ?? 100_000);
const MAX_DETAIL_CHARS = 400;
const REASONS = new Set<string>(DECODE_FAILURE_REASONS);

// ---------------------------------------------------------------- the run

const TARGETS: readonly Target[] = [
  jsonTarget(DENSE),
  jsonTarget(TOKENS_NEXT),
  jsonTarget(TOKENS_CLASSES),
  textCharTarget(),
  textByteTarget(),
  csvTarget('csv, explicit class column', csvSpec({ inputSize: 4, target: 'explicit', head: 'softmax', outputSize: 3 })),
  csvTarget('csv, next-step', csvSpec({ inputSize: 2, outputSize: 2 })),
];

const messagesPerFormat = new Map<string, number>();
for (const [index, target] of TARGETS.entries()) {
  const sameFormat = TARGETS.filter((other) => other.spec.format === target.spec.format).length;
  const count = Math.ceil(MESSAGES / sameFormat);
  messagesPerFormat.set(target.spec.format, (messagesPerFormat.get(target.spec.format) ?? 0) + count);
  test(`fuzz: ${target.name}: ${count} generated messages, no exception, every outcome valid or dead-lettered with a reason`, (t) => {
    const decode = createDecoder(target.spec);
    const rng = createRng(20261127 + index);
    const problems: string[] = [];
    const outcomes = new Map<string, number>();
    const categories = new Map<string, number>();
    const problem = (c: Case, what: string): void => {
      if (problems.length < 20) problems.push(`[${c.category}, offset ${c.message.offset}] ${what}: value ${JSON.stringify(c.message.value?.subarray(0, 120).toString('latin1'))}`);
      else problems.push('');
    };
    const start = performance.now();
    for (let i = 0; i < count; i++) {
      const c = target.generate(rng, i);
      categories.set(c.category, (categories.get(c.category) ?? 0) + 1);
      let result;
      try {
        result = decode(c.message);
      } catch (e) {
        problem(c, `threw ${String(e)}`);
        continue;
      }
      if (result.ok) {
        outcomes.set('ok', (outcomes.get('ok') ?? 0) + 1);
        if (c.expect !== 'ok' && c.expect !== 'any') { problem(c, `accepted, expected ${c.expect}`); continue; }
        if (!Array.isArray(result.value) || result.value.length === 0) { problem(c, 'accepted with no records'); continue; }
        const p = target.check(c.message, result.value);
        if (p !== null) problem(c, `re-validation: ${p}`);
        continue;
      }
      const { reason, detail } = result.error;
      outcomes.set(reason, (outcomes.get(reason) ?? 0) + 1);
      if (!REASONS.has(reason)) problem(c, `unknown reason ${String(reason)}`);
      if (typeof detail !== 'string' || detail.length === 0 || detail.length > MAX_DETAIL_CHARS) problem(c, `bad detail (${String(detail?.length)} chars)`);
      if (c.expect === 'ok') problem(c, `rejected a valid message: ${reason}: ${detail}`);
      else if (c.expect !== 'any' && reason !== c.expect) problem(c, `reason ${reason} (${detail}), expected ${c.expect}`);
      if (c.detail !== undefined && !c.detail.test(detail)) problem(c, `detail ${JSON.stringify(detail)} does not match ${c.detail}`);
      const letter = toDeadLetter(c.message, result.error);
      // The original bytes (the same Buffer), or — above the broker's size limit — a prefix with the original length.
      const cut = letter.headers['x-dead-letter-truncated-from'];
      const valueKept = cut === undefined
        ? letter.value === c.message.value
        : cut === String(c.message.value?.length) && letter.value !== null && c.message.value!.subarray(0, letter.value.length).equals(letter.value);
      if (!valueKept || letter.key !== c.message.key || letter.headers['x-dead-letter-reason'] !== reason ||
        letter.headers['x-source-offset'] !== c.message.offset) problem(c, 'dead letter does not carry the original message and reason');
    }
    const ms = performance.now() - start;
    t.diagnostic(`${count} messages in ${ms.toFixed(0)} ms; outcomes ${JSON.stringify(Object.fromEntries(outcomes))}`);
    t.diagnostic(`categories ${JSON.stringify(Object.fromEntries(categories))}`);
    assert.deepEqual(problems.slice(0, 20), [], `${problems.length} problems`);
    // every hostile category was exercised and most messages were rejected
    assert.ok(categories.size >= 7, `only ${categories.size} categories`);
    if (target.name !== 'text, byte unit') assert.ok((outcomes.get('ok') ?? 0) < count / 2);
  });
}

test(`fuzz: at least ${MESSAGES} messages through each decoder`, () => {
  assert.deepEqual([...messagesPerFormat.keys()].sort(), ['csv', 'json', 'text']);
  for (const [format, n] of messagesPerFormat) assert.ok(n >= MESSAGES, `${format}: ${n}`);
});
