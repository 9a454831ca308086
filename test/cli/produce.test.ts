// produce: token-bucket rate limiting on an injected clock, the dataset message formats decoded by the
// service's own decoders under the documented settings, interleaving, flags.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load-config';
import { createDecoder } from '../../src/decode/create-decoder';
import { DEFAULT_ALPHABET_CHARS } from '../../src/decode/alphabet';
import type { DecodedRecord } from '../../src/domain/decoded-record';
import { assetsDir } from '../../src/demo/assets-dir';
import type { Clock } from '../../src/demo/clock';
import { copySteps } from '../../src/demo/datasets/copy-stream';
import { loadDemoDataset } from '../../src/demo/datasets/demo-dataset';
import { interleaveStreams } from '../../src/demo/datasets/interleave-streams';
import { parseNabCsv, robustScale } from '../../src/demo/datasets/nab-series';
import { parseProduceArgs } from '../../src/demo/produce-args';
import { produceMessages, type MessageSink } from '../../src/demo/produce-messages';
import { TokenBucket } from '../../src/demo/token-bucket';
import { demoConfigArgs } from '../../src/cli/commands/demo';
import { deriveSpecs } from '../../src/service/derive-specs';
import type { ProducedMessage } from '../../src/sinks/produced-message';
import { createRng } from '../../src/util/rng';

/** A clock whose sleep only advances virtual time. */
function fakeClock(): Clock & { sleeps: number[] } {
  let t = 1000;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => t,
    sleep: async (ms) => { sleeps.push(ms); t += ms; },
  };
}

function take<T>(it: Iterator<T>, n: number): T[] {
  const out: T[] = [];
  for (let r = it.next(); !r.done && out.length < n; r = out.length < n ? it.next() : r) out.push(r.value);
  return out;
}

function decodeAll(messages: readonly ProducedMessage[], configFlags: readonly string[]): DecodedRecord[] {
  const config = loadConfig({ argv: configFlags, env: {}, cwd: process.cwd() });
  const decode = createDecoder(deriveSpecs(config).decoder);
  return messages.flatMap((m, i) => {
    const r = decode({ topic: 't', partition: 0, offset: String(i), key: Buffer.from(String(m.key)), value: Buffer.from(String(m.value)) });
    assert.ok(r.ok, `message ${i} (${String(m.value)}) is rejected: ${r.ok ? '' : JSON.stringify(r.error)}`);
    return r.value;
  });
}

describe('TokenBucket', () => {
  it('lets a full bucket through, then makes takes wait for the tokens to accrue', async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket(100, 10, clock); // 100 tokens/s = one per 10 ms
    assert.equal(bucket.reserve(10), 0);
    assert.equal(bucket.reserve(5), 50);            // 5 tokens short: 50 ms
    await clock.sleep(150);                         // pays the debt, then refills 10 (the cap)
    assert.equal(bucket.reserve(10), 0);
    assert.equal(bucket.reserve(1), 10);
  });

  it('never lets more than capacity + rate·t through by time t, and the long-run rate is the set rate', async () => {
    const clock = fakeClock();
    const start = clock.now();
    const sent: { at: number; total: number }[] = [];
    const sink: MessageSink = { send: async (_t, ms) => { sent.push({ at: clock.now(), total: (sent.at(-1)?.total ?? 0) + ms.length }); } };
    const messages = (function* () { for (let i = 0; ; i++) yield { key: 'k', value: String(i) }; })();
    const rate = 200;
    const total = await produceMessages(messages, sink, { topic: 't', ratePerSecond: rate, limit: 1000, clock });
    assert.equal(total, 1000);
    const burst = rate / 10; // documented: bursts of a tenth of a second
    for (const s of sent) assert.ok(s.total <= burst + (rate * (s.at - start)) / 1000 + 1e-9, `${s.total} sent by ${s.at - start} ms`);
    // The first burst goes at once, the remaining 980 need 980 / 200 s.
    assert.ok(Math.abs((sent.at(-1)!.at - start) - ((1000 - burst) / rate) * 1000) < 1e-6);
  });

  it('takes larger than the bucket go into debt: the average rate holds for any batch size', async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket(50, 1, clock);
    let waited = 0;
    for (let i = 0; i < 10; i++) {
      const w = bucket.reserve(25);
      waited += w;
      await clock.sleep(w);
    }
    // 250 tokens at 50/s with 1 in the bucket at the start: (250 − 1) / 50 s.
    assert.ok(Math.abs(clock.now() - 1000 - (249 / 50) * 1000) < 1e-6, `clock at ${clock.now()}`);
    assert.ok(waited > 0);
  });

  it('rejects a non-positive rate or capacity', () => {
    assert.throws(() => new TokenBucket(0, 1, fakeClock()), /rate/);
    assert.throws(() => new TokenBucket(1, 0, fakeClock()), /capacity/);
  });
});

describe('produceMessages', () => {
  it('as fast as possible sends without sleeping, in order, until the messages run out', async () => {
    const clock = fakeClock();
    const got: ProducedMessage[] = [];
    const n = await produceMessages([...Array(1234).keys()].map((i) => ({ key: 'k', value: String(i) }))[Symbol.iterator](),
      { send: async (_t, ms) => { got.push(...ms); } }, { topic: 't', clock });
    assert.equal(n, 1234);
    assert.deepEqual(got.map((m) => Number(m.value)), [...Array(1234).keys()]);
    assert.equal(clock.sleeps.length, 0);
  });

  it('stops at the limit, and promptly when the signal aborts', async () => {
    const clock = fakeClock();
    const endless = (function* () { for (;;) yield { key: 'k', value: 'v' }; })();
    assert.equal(await produceMessages(endless, { send: async () => undefined }, { topic: 't', clock, limit: 7 }), 7);
    const controller = new AbortController();
    let batches = 0;
    const n = await produceMessages(endless, { send: async () => { if (++batches === 3) controller.abort(); } },
      { topic: 't', clock, ratePerSecond: 100, signal: controller.signal });
    assert.equal(batches, 3);
    assert.equal(n, 30); // batches of rate/10
  });
});

describe('datasets decode under their documented service settings', () => {
  it('copy: explicit-target token records; targets repeat each segment after it', () => {
    const dataset = loadDemoDataset('copy', { keys: 3, copySteps: 300 });
    const messages = [...interleaveStreams(dataset.streams, false)];
    assert.equal(messages.length, 900);
    const records = decodeAll(messages, dataset.serviceFlags);
    for (const key of ['copy-0', 'copy-1', 'copy-2']) {
      const steps = records.filter((r) => r.key === key);
      const x = steps.map((r) => r.x as number);
      const y = steps.map((r) => r.y as number);
      // Check the copy-task definition directly: a segment starts with 1, runs over non-blank tokens, and
      // the next m steps are blanks whose targets are that segment; targets are 0 elsewhere.
      assert.equal(x[0], 1, 'each stream starts with a segment');
      let t = 0;
      for (; t < x.length;) {
        assert.equal(x[t], 1);
        let m = 0;
        while (t + m < x.length && x[t + m] !== 0) m++;
        assert.ok(m >= 5 && m <= 10 || t + m === x.length, `segment length ${m}`);
        for (let i = 0; i < m && t + m + i < x.length; i++) {
          assert.equal(x[t + m + i], 0);
          assert.equal(y[t + m + i], x[t + i]);
          assert.equal(y[t + i], 0);
          assert.ok(x[t + i] >= (i === 0 ? 1 : 2) && x[t + i] <= (i === 0 ? 1 : 5));
        }
        t += 2 * m;
      }
    }
  });

  it('copySteps follows the same seed deterministically', () => {
    assert.deepEqual(take(copySteps(createRng(5), 5, 10), 50), take(copySteps(createRng(5), 5, 10), 50));
  });

  it('text: one line per message; each key\'s characters are a contiguous part of the sample, in order', () => {
    const dataset = loadDemoDataset('text');
    const sample = readFileSync(join(assetsDir(), 'text', 'tiny-shakespeare-sample.txt'), 'utf8');
    const messages = [...interleaveStreams(dataset.streams, false)];
    assert.ok(messages.every((m) => String(m.value).split('\n').length <= 2));
    const records = decodeAll(messages, dataset.serviceFlags);
    const text = (key: string) => records.filter((r) => r.key === key).map((r) => DEFAULT_ALPHABET_CHARS[r.x as number]).join('');
    assert.equal(['text-0', 'text-1', 'text-2', 'text-3'].map(text).join(''), sample);
    assert.ok(text('text-0').length > sample.length / 8);
  });

  it('nab: dense next-step records in timestamp order, the value normalised by median and 1.4826·MAD', () => {
    const dataset = loadDemoDataset('nab');
    assert.deepEqual(dataset.serviceFlags, []); // the service defaults
    const messages = [...interleaveStreams(dataset.streams, false)];
    const records = decodeAll(messages, dataset.serviceFlags);
    const csv = readFileSync(join(assetsDir(), 'nab', 'speed_7578.csv'), 'utf8');
    const rows = csv.trim().split('\n').slice(1).map((l) => l.split(',')).map(([ts, v]) => ({ ts, v: Number(v) }));
    rows.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));
    const sorted = rows.map((r) => r.v).sort((a, b) => a - b);
    const med = (s: number[]) => (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2);
    const m = med(sorted);
    const mad = med(rows.map((r) => Math.abs(r.v - m)).sort((a, b) => a - b));
    const got = records.filter((r) => r.key === 'speed_7578').map((r) => (r.x as Float32Array)[0]);
    assert.equal(got.length, rows.length);
    got.forEach((v, i) => assert.ok(Math.abs(v - Math.max(-10, Math.min(10, (rows[i].v - m) / (1.4826 * mad)))) < 1e-4, `step ${i}`));
    assert.equal(new Set(records.map((r) => r.key)).size, 4);
  });

  it('robustScale: median and 1.4826·MAD, falling back to the mean absolute deviation when MAD is 0', () => {
    assert.deepEqual(robustScale(Float64Array.of(1, 2, 3, 4, 100)), { median: 3, scale: 1.4826 });
    assert.deepEqual(robustScale(Float64Array.of(0, 0, 0, 0, 10)), { median: 0, scale: 2 });
    assert.deepEqual(robustScale(Float64Array.of(7, 7, 7)), { median: 7, scale: 1 });
    const s = parseNabCsv('s', 'timestamp,value\n2020-01-01 00:10:00,3\n2020-01-01 00:05:00,1\n', [['2020-01-01 00:00:00.000000', '2020-01-01 01:00:00.000000']]);
    assert.deepEqual([...s.values], [1, 3]);
    assert.deepEqual(s.anomalyWindowsMs, [[Date.UTC(2020, 0, 1), Date.UTC(2020, 0, 1, 1)]]);
  });

  it('FILE: each non-empty line one message, contiguous parts per key; CSV lines decode as dense records', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'produce-test-')), 'produce-sample.csv');
    writeFileSync(path, '1,2\n3,4\n\n5,6\n7,8\n');
    const dataset = loadDemoDataset(path, { keys: 2 });
    const messages = [...interleaveStreams(dataset.streams, false)];
    assert.deepEqual(messages.map((m) => [m.key, m.value]), [['produce-sample-0', '1,2\n'], ['produce-sample-1', '5,6\n'], ['produce-sample-0', '3,4\n'], ['produce-sample-1', '7,8']]);
    const records = decodeAll(messages, ['--input.format=csv', '--model.inputSize=2']);
    assert.deepEqual(records.map((r) => [...(r.x as Float32Array)]), [[1, 2], [5, 6], [3, 4], [7, 8]]);
    assert.throws(() => loadDemoDataset(join(tmpdir(), 'no-such-file-tbptt.csv')), /no such file.*copy, text, nab/);
  });
});

describe('interleaveStreams', () => {
  const streams = [
    { key: 'a', pass: () => ['a1', 'a2', 'a3'][Symbol.iterator]() },
    { key: 'b', pass: () => ['b1'][Symbol.iterator]() },
    { key: 'e', pass: () => [][Symbol.iterator]() },
  ];
  it('round-robins the keys, keeping each key\'s order, and ends with the longest stream', () => {
    assert.deepEqual([...interleaveStreams(streams, false)].map((m) => m.value), ['a1', 'b1', 'a2', 'a3']);
  });
  it('with loop starts each stream again and drops empty ones', () => {
    assert.deepEqual(take(interleaveStreams(streams, true), 8).map((m) => m.value), ['a1', 'b1', 'a2', 'b1', 'a3', 'b1', 'a1', 'b1']);
  });
});

describe('flags', () => {
  it('parses produce flags and says what is wrong', () => {
    const p = parseProduceArgs(['--dataset', 'nab', '--rate=200/s', '--keys', '3', '--brokers', 'h1:9092,h2:9093', '--loop', '--model.hiddenSize=8']);
    assert.equal(p.dataset, 'nab');
    assert.equal(p.rate, 200);
    assert.equal(p.keys, 3);
    assert.deepEqual(p.brokers, ['h1:9092', 'h2:9093']);
    assert.equal(p.loop, true);
    assert.deepEqual(p.rest, ['--model.hiddenSize=8']);
    assert.throws(() => parseProduceArgs(['--rate', 'fast']), /--rate must be a positive number/);
    assert.throws(() => parseProduceArgs(['--rate', '5', '--max-rate']), /exclude/);
    assert.throws(() => parseProduceArgs(['--keys', '0']), /--keys must be a positive integer/);
    assert.throws(() => parseProduceArgs(['--brokers', 'nohost']), /host:port/);
    assert.throws(() => parseProduceArgs(['--topic']), /--topic needs a value/);
  });

  it('demo: the dataset\'s settings apply unless the user sets the same key', () => {
    const dataset = loadDemoDataset('text');
    const args = demoConfigArgs(dataset, ['--model.head', 'softmax', '--model.hiddenSize=8']);
    assert.deepEqual(args.filter((a) => !a.startsWith('--checkpoint.')),
      ['--input.format=text', '--model.inputSize=0', '--training.batchStreams=4', '--model.head', 'softmax', '--model.hiddenSize=8']);
    assert.ok(args.some((a) => /^--checkpoint\.dir=.*tbptt-stream-demo-\d+$/.test(a)), 'checkpoints on, in a fresh folder');
    const copy = demoConfigArgs(loadDemoDataset('copy', { keys: 20 }), ['--training.batchStreams=2', '--checkpoint.dir=']);
    assert.deepEqual(copy.filter((a) => a.startsWith('--training.batchStreams') || a.startsWith('--checkpoint.dir')), ['--training.batchStreams=2', '--checkpoint.dir=']);
  });
});
