import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyHistory } from '../../src/learner/online/key-history';
import type { ModelSpec } from '../../src/learner/model/model-spec';
import { decodeKeyState, decodeKeyStates, encodeKeyState, encodeKeyStates } from '../../src/service/key-state-codec';
import type { KeyState } from '../../src/service/service-state';
import { ByteReader, ByteWriter } from '../../src/util/binary-io';
import { createRng } from '../../src/util/rng';

const tokens: ModelSpec = { cell: 'lstm', layers: 2, inputSize: 16, inputKind: 'tokens', hiddenSize: 8, outputSize: 16, head: 'softmax' };
const dense: ModelSpec = { cell: 'gru', layers: 1, inputSize: 3, inputKind: 'dense', hiddenSize: 5, outputSize: 2, head: 'mse' };

/** A key's state as the service captures it: a history past its ring (so it wrapped), queued steps, snapshots. */
function keyState(spec: ModelSpec, key: string, seed: number): KeyState {
  return liveAndSnapshot(spec, key, seed).state;
}

function liveAndSnapshot(spec: ModelSpec, key: string, seed: number): { state: KeyState; live: KeyHistory } {
  const rng = createRng(seed);
  const h = new KeyHistory(key, spec, 12);
  const value = (n: number, tokenKind: boolean): number | Float32Array =>
    tokenKind ? rng.int(n) : Float32Array.from({ length: n }, () => rng.normal() * 1e3);
  for (let t = 0; t < 30; t++) {
    const step = {
      key, x: value(spec.inputSize, spec.inputKind === 'tokens'), y: value(spec.outputSize, spec.head === 'softmax'),
      ...(t % 7 === 3 ? {} : { source: { topic: t % 2 ? 'in-a' : 'in-ü', partition: t % 3, offset: String(2 ** 40 + t) } }),
    };
    h.append(step, 4);
    if (t < 20 && h.pending > 6) {
      h.trained += 5;
      h.addSnapshot(h.trained, Float32Array.from({ length: spec.layers * spec.hiddenSize * (spec.cell === 'lstm' ? 2 : 1) }, () => rng.normal()), 3);
      h.drainInbox(4);
    }
  }
  const snap = h.snapshot();
  assert.ok(snap.queued.length > 0 && snap.steps.length === 12 && snap.snapshots.length > 1, 'the fixture covers queued steps and snapshots');
  return {
    live: h,
    state: {
      key, partition: 'in-a:2', history: snap,
      pendingX: spec.inputKind === 'tokens' ? 5 : [0.1, -2.5e-8, 3.4e38].map(Math.fround),
      score: [0.1234567890123, 1e-300, 17],
    },
  };
}

test('a key state survives encoding bit for bit (tokens and dense, wrapped ring, queued steps, sources, snapshots)', () => {
  for (const [spec, seed] of [[tokens, 1], [dense, 2]] as const) {
    const state = keyState(spec, `key-${seed}-ключ`, seed);
    const w = new ByteWriter(16);
    encodeKeyState(state, w);
    const back = decodeKeyState(new ByteReader(w.bytes(), 'test'));
    assert.deepEqual(back, JSON.parse(JSON.stringify(state)));
    // And the history rebuilds into the same KeyHistory.
    const again = KeyHistory.restore(spec, 12, back.history!).snapshot();
    assert.deepEqual(again, state.history);
  }
});

test('a key without history, pending input or score encodes too', () => {
  const w = new ByteWriter();
  encodeKeyState({ key: '', partition: 't:0' }, w);
  assert.deepEqual(decodeKeyState(new ByteReader(w.bytes(), 'test')), { key: '', partition: 't:0' });
});

test('the binary form is much smaller than the JSON it replaces, and lists round-trip', () => {
  const states = Array.from({ length: 50 }, (_, i) => keyState(tokens, `user-${i}`, 10 + i));
  const bytes = encodeKeyStates(states);
  const json = Buffer.byteLength(JSON.stringify(states));
  assert.ok(bytes.length * 2 < json, `binary ${bytes.length} B vs JSON ${json} B`);
  assert.deepEqual(decodeKeyStates(bytes, 'list'), JSON.parse(JSON.stringify(states)));
});

test('truncated or damaged bytes are an error naming the file, never a wrong state', () => {
  const bytes = Buffer.from(encodeKeyStates([keyState(tokens, 'a', 3), keyState(dense, 'b', 4)]));
  for (const cut of [1, 5, 40, bytes.length - 1]) {
    assert.throws(() => decodeKeyStates(bytes.subarray(0, cut), 'ckpt/keys.bin'), /ckpt\/keys\.bin: truncated/);
  }
  assert.throws(() => decodeKeyStates(Buffer.concat([bytes, Buffer.from([0])]), 'ckpt/keys.bin'), /bytes after the last/);
  const wrongVersion = Buffer.from(bytes);
  wrongVersion[8] = 9; // first state's version byte (after the count and its length)
  assert.throws(() => decodeKeyStates(wrongVersion, 'ckpt/keys.bin'), /unknown format version 9/);
});

test('encoding a live history writes the same bytes as encoding its snapshot (also empty and queue-only histories)', () => {
  const cases: Array<{ state: KeyState; live: KeyHistory }> = [liveAndSnapshot(tokens, 'a', 5), liveAndSnapshot(dense, 'b', 6)];
  const empty = new KeyHistory('e', dense, 12);
  cases.push({ live: empty, state: { key: 'e', partition: 'p:0', history: empty.snapshot() } });
  for (const { state, live } of cases) {
    const a = new ByteWriter();
    encodeKeyState(state, a);
    const b = new ByteWriter();
    encodeKeyState({ ...state, history: live }, b);
    assert.ok(Buffer.compare(a.bytes(), b.bytes()) === 0, `key ${state.key}`);
  }
});
