import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { concat, defer, from, map, timer, type Observable } from 'rxjs';
import { ignoreElements } from 'rxjs/operators';
import { loadConfig } from '../../src/config/load-config';
import type { SequenceStep } from '../../src/domain/sequence-step';
import { buildLearner } from '../../src/service/build-learner';
import { deriveSpecs } from '../../src/service/derive-specs';
import { trainWindows } from '../../src/pipeline/train-windows';
import { createRng } from '../../src/util/rng';

const KEYS = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5'];

/** Steps of six keys in an irregular interleaving, arriving in chunks with pauses between them (the event loop runs). */
function steps(): Observable<SequenceStep> {
  const rng = createRng(5);
  const t = new Map(KEYS.map((k) => [k, 0]));
  const all: SequenceStep[] = [];
  for (let n = 0; n < 2400; n++) {
    const key = KEYS[Math.floor(rng.next() * rng.next() * KEYS.length)];
    const i = t.get(key)!;
    t.set(key, i + 1);
    all.push({ key, x: (i * 7 + key.length) % 11, y: (i * 3) % 11, source: { topic: 't', partition: 0, offset: String(i) } });
  }
  const chunks: Observable<SequenceStep>[] = [];
  for (let i = 0; i < all.length; i += 150) {
    chunks.push(from(all.slice(i, i + 150)), timer(2).pipe(ignoreElements()) as Observable<never>);
  }
  return concat(...chunks);
}

interface Trace { keys: string[]; offsets: string[]; losses: number[]; k: number; diagnosticK?: number }

/** The service's learn stage (train, then the truncation controller after each window) with training.thread set. */
async function learnStage(thread: 'main' | 'worker'): Promise<Trace[]> {
  const config = loadConfig({
    argv: [
      '--input.values=tokens', '--model.inputSize=11', '--model.head=softmax', '--model.embedSize=6', '--model.hiddenSize=12',
      '--training.batchStreams=2', '--training.optimizer=adam', '--training.learningRate=0.01', '--training.engine=ts', `--training.thread=${thread}`,
      '--truncation.mode=adaptive', '--truncation.k0=4', '--truncation.kMin=2', '--truncation.kMax=12', '--truncation.window=24', '--truncation.tau=20',
      '--truncation.everyWindows=5', '--truncation.diagnosticStreams=3', '--truncation.delta=0.2',
    ],
    env: {}, cwd: process.cwd(),
  });
  const parts = await buildLearner(config, deriveSpecs(config).model);
  const { learner, controller } = parts;
  try {
    return await new Promise<Trace[]>((resolve, reject) => {
      const out: Trace[] = [];
      defer(steps).pipe(
        trainWindows(learner, { batchStreams: 2, flushAfterMs: 1e9, flushOnComplete: true, overlap: (n) => !controller.dueAfterNextWindow(n) }),
        map((r) => {
          const d = controller.afterWindow();
          out.push({
            keys: r.outcomes.map((o) => o.key), offsets: r.outcomes.map((o) => o.source!.offset), losses: r.outcomes.map((o) => o.loss), k: r.k,
            ...(d ? { diagnosticK: d.k } : {}),
          });
        }),
      ).subscribe({ error: reject, complete: () => resolve(out) });
    });
  } finally {
    parts.engine.dispose();
  }
}

describe('trainWindows with training in a worker thread', () => {
  it('trains the same windows in the same order, with the same diagnostics and K, as on the event loop thread', async () => {
    const main = await learnStage('main');
    const worker = await learnStage('worker');
    const diagnostics = main.filter((t) => t.diagnosticK !== undefined);
    assert.ok(diagnostics.length >= 10, `${diagnostics.length} diagnostics`);
    assert.ok(new Set(main.map((t) => t.k)).size >= 2, `K changed: ${[...new Set(main.map((t) => t.k))].join(', ')}`);
    assert.equal(worker.length, main.length);
    for (let i = 0; i < main.length; i++) assert.deepEqual(worker[i], main[i], `window ${i}`);
    // Every step trained once, in order per key.
    const seen = new Map<string, number[]>();
    for (const t of worker) t.keys.forEach((k, j) => seen.set(k, [...(seen.get(k) ?? []), Number(t.offsets[j])]));
    for (const [k, offs] of seen) assert.deepEqual(offs, offs.map((_, i) => i), `key ${k}`);
  });
});
