import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { CheckpointStore } from '../../src/sinks/checkpoint/checkpoint-store';

const files = (n: number) => new Map([['params.safetensors', Buffer.from(`weights ${n}`)], ['state.json', Buffer.from(JSON.stringify({ n }))]]);

describe('CheckpointStore', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'ckpt-test-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes and reads back the newest checkpoint with its files and meta', async () => {
    const store = new CheckpointStore(dir, 3);
    assert.equal(await store.latest(), undefined);
    await store.write(files(1), { offsets: { 'in:0': '10' } });
    const w = await store.write(files(2), { offsets: { 'in:0': '20' } });
    const got = await store.latest();
    assert.ok(got);
    assert.equal(got.dir, w.dir);
    assert.equal(got.manifest.seq, 2);
    assert.deepEqual(got.manifest.meta, { offsets: { 'in:0': '20' } });
    assert.equal(got.files.get('params.safetensors')!.toString(), 'weights 2');
  });

  it('keeps only the newest `keep` checkpoints and removes leftovers of interrupted writes', async () => {
    const store = new CheckpointStore(dir, 2);
    mkdirSync(join(dir, '.tmp-99-dead'));
    for (let i = 1; i <= 4; i++) await store.write(files(i), {});
    assert.deepEqual(readdirSync(dir).sort(), ['ckpt-0000000003', 'ckpt-0000000004']);
  });

  it('skips a corrupt or partial newest checkpoint and returns the previous valid one, saying why', async () => {
    const store = new CheckpointStore(dir, 5);
    await store.write(files(1), { n: 1 });
    const second = await store.write(files(2), { n: 2 });
    const third = await store.write(files(3), { n: 3 });
    writeFileSync(join(third.dir, 'state.json'), '{"n": 9}'); // rewritten after the fact: size and checksum differ
    const p = join(second.dir, 'params.safetensors');
    const bytes = readFileSync(p);
    bytes[0] ^= 0xff;
    writeFileSync(p, bytes);
    const skipped: string[] = [];
    const got = await store.latest((d, why) => skipped.push(`${d.split('/').pop()}: ${why}`));
    assert.equal(got?.manifest.seq, 1);
    assert.equal(skipped.length, 2);
    assert.match(skipped[0], /ckpt-0000000003: state\.json: (checksum mismatch|\d+ bytes, manifest says \d+)/);
    assert.match(skipped[1], /ckpt-0000000002: params\.safetensors: checksum mismatch/);
    rmSync(join(dir, 'ckpt-0000000001', 'manifest.json'));
    assert.equal(await store.latest(), undefined, 'a checkpoint without manifest is never used');
  });

  it('a directory that cannot be written gives a clear error naming it', { skip: process.getuid?.() === 0 ? 'root can write anywhere' : false }, async () => {
    chmodSync(dir, 0o500);
    await assert.rejects(new CheckpointStore(join(dir, 'sub'), 1).write(files(1), {}), /cannot write a checkpoint in .*sub/);
  });

  it('a path that is a file gives a clear error naming it', async () => {
    const path = join(dir, 'not-a-dir');
    writeFileSync(path, 'x');
    await assert.rejects(new CheckpointStore(path, 1).write(files(1), {}), /cannot write a checkpoint in .*not-a-dir/);
  });

  it('refuses file names that could escape the checkpoint folder', async () => {
    await assert.rejects(new CheckpointStore(dir, 1).write(new Map([['../x', Buffer.from('')]]), {}), /not allowed/);
    assert.throws(() => new CheckpointStore(dir, 0), /keep must be an integer ≥ 1/);
  });
});
