import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../src/telemetry/logger';

function sink() {
  const lines: string[] = [];
  return { lines, stream: { write: (s: string) => lines.push(s) } };
}

describe('logger', () => {
  it('writes JSON lines with time, level, message and fields; drops lines below the level', () => {
    const { lines, stream } = sink();
    const log = createLogger({ level: 'info', stream, now: () => Date.UTC(2026, 0, 2, 3, 4, 5) });
    log.debug('hidden');
    log.info('started', { port: 9464 });
    log.error('failed', { err: new Error('boom'), lag: Infinity });
    assert.equal(lines.length, 2);
    assert.ok(lines.every((l) => l.endsWith('\n') && !l.slice(0, -1).includes('\n')));
    assert.deepEqual(JSON.parse(lines[0]), { time: '2026-01-02T03:04:05.000Z', level: 'info', msg: 'started', port: 9464 });
    const e = JSON.parse(lines[1]);
    assert.equal(e.err.message, 'boom');
    assert.equal(e.lag, 'Infinity');
  });

  it('child loggers add their fields; pretty format is one readable line', () => {
    const { lines, stream } = sink();
    const log = createLogger({ level: 'debug', format: 'pretty', stream, now: () => 0 }).child({ component: 'source' });
    log.warn('lag growing', { topic: 'in a', partitions: 4 });
    assert.equal(lines[0], '1970-01-01T00:00:00.000Z WARN  lag growing component=source topic="in a" partitions=4\n');
  });

  it('rejects an unknown level', () => {
    assert.throws(() => createLogger({ level: 'trace' as never, stream: sink().stream }), /unknown log level/);
  });
});
