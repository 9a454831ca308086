import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { EvictedKeyStore } from '../../src/sinks/checkpoint/evicted-key-store';

const dir = mkdtempSync(join(tmpdir(), 'tbptt-spill-'));
const data = (key: string, n: number) => Buffer.from(JSON.stringify({ key, n, pad: 'x'.repeat(n) }));

describe('EvictedKeyStore', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('returns what was put, once; replacing a key keeps the newest', () => {
    const s = new EvictedKeyStore(join(dir, 'a', 'evicted-1.log'));
    s.put('k1', 't:0', data('k1', 10));
    s.put('k2', 't:1', data('k2', 20));
    s.put('k1', 't:0', data('k1', 30));
    assert.equal(s.size, 2);
    assert.deepEqual(s.take('k1'), data('k1', 30));
    assert.equal(s.take('k1'), undefined);
    assert.equal(s.has('k2'), true);
    assert.equal(s.wasted, data('k1', 10).length + data('k1', 30).length);
    s.close();
  });

  it('a restart cuts the file back to the checkpoint and restores its entries; later appends are gone', async () => {
    const path = join(dir, 'b', 'evicted-1.log');
    const s = new EvictedKeyStore(path);
    s.put('k1', 't:0', data('k1', 5));
    s.put('k2', 't:0', data('k2', 6));
    const snap = s.snapshot();
    s.put('k3', 't:0', data('k3', 7)); // after the checkpoint
    await s.sync();
    s.close();
    const r = new EvictedKeyStore(path, snap.bytes);
    assert.equal(statSync(path).size, snap.bytes);
    r.adopt(snap.entries);
    assert.deepEqual(r.take('k2'), data('k2', 6));
    assert.equal(r.has('k3'), false);
    assert.throws(() => new EvictedKeyStore(path, snap.bytes + 1000), /expects/);
    r.close();
  });

  it('entries of another instance are copied; released partitions leave the index', async () => {
    const other = new EvictedKeyStore(join(dir, 'c', 'evicted-1.log'));
    other.put('a', 't:0', data('a', 3));
    other.put('b', 't:1', data('b', 4));
    await other.sync();
    const released = other.release(new Set(['t:1']));
    assert.deepEqual(released.map((e) => e[0]), ['b']);
    assert.equal(other.has('b'), false);
    const mine = new EvictedKeyStore(join(dir, 'd', 'evicted-1.log'));
    mine.adopt(released, other.path);
    assert.deepEqual(mine.take('b'), data('b', 4));
    other.close();
    mine.close();
  });

  it('compaction keeps exactly the live entries in a smaller file', () => {
    const s = new EvictedKeyStore(join(dir, 'e', 'evicted-1.log'));
    for (let i = 0; i < 200; i++) s.put(`k${i % 20}`, 't:0', data(`k${i % 20}`, i));
    const before = s.bytes;
    s.compactInto(join(dir, 'e', 'evicted-2.log'));
    assert.ok(s.bytes < before / 5, `${s.bytes} of ${before} bytes`);
    assert.equal(s.wasted, 0);
    for (let k = 0; k < 20; k++) assert.deepEqual(s.take(`k${k}`), data(`k${k}`, 180 + k));
    s.close();
  });

  it('compaction across its 8 MB read and write windows, with an entry larger than a window', () => {
    const s = new EvictedKeyStore(join(dir, 'f', 'evicted-1.log'));
    const blob = (key: string, n: number, size: number): Buffer => {
      const b = Buffer.alloc(size);
      for (let i = 0; i < size; i += 4) b.writeUInt32LE((n * 2654435761 + i) >>> 0, i);
      return Buffer.concat([Buffer.from(key), b]);
    };
    const expect = new Map<string, Buffer>();
    for (let i = 0; i < 6000; i++) {
      const key = `k${i % 3000}`;
      const b = blob(key, i, 4096 + 4 * (i % 1500));
      s.put(key, 't:0', b);
      expect.set(key, b);
      if (i === 2999) {
        const big = blob('big', 7, 9 * 1024 * 1024);
        s.put('big', 't:1', big);
        expect.set('big', big);
      }
    }
    s.compactInto(join(dir, 'f', 'evicted-2.log'));
    assert.equal(s.wasted, 0);
    let live = 0;
    for (const b of expect.values()) live += b.length;
    assert.equal(s.bytes, live);
    for (const [key, b] of expect) assert.ok(s.take(key)!.equals(b), key);
    s.close();
  });
});
