import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { EXIT_BAD_INPUT } from '../../src/cli/command';
import { createConfigCommand } from '../../src/cli/commands/config';
import { commands } from '../../src/cli/commands';
import { defaultConfig } from '../../src/config/config-schema';
import { memoryIO } from '../support/memory-io';
import { dirWith } from '../config/config-test-files';

async function run(args: string[], env: Record<string, string> = {}, cwd = '/'): Promise<{ code: number; out: string; err: string }> {
  const io = memoryIO('');
  const code = await createConfigCommand(() => ({ env, cwd })).run(args, io);
  return { code, out: io.out(), err: io.err() };
}

describe('tbptt-stream config', () => {
  it('is registered in the command table', async () => {
    const entry = commands.find((c) => c.name === 'config');
    assert.ok(entry);
    assert.equal((await entry.load()).name, 'config');
  });

  it('prints the defaults as JSON when nothing is set', async () => {
    const r = await run([]);
    assert.equal(r.code, 0);
    assert.deepEqual(JSON.parse(r.out), defaultConfig);
  });

  it('prints the effective configuration with file, env and flags applied', async () => {
    const dir = dirWith({ 'svc.yaml': 'kafka:\n  inputTopics: [sensors]\ntruncation:\n  delta: 0.05\n' });
    const r = await run(['--config', 'svc.yaml', '--truncation.kMax=50'], { TBPTT_KAFKA_BROKERS: 'h1:9092,h2:9092' }, dir);
    assert.equal(r.code, 0, r.err);
    const c = JSON.parse(r.out);
    assert.deepEqual(c.kafka.inputTopics, ['sensors']);
    assert.deepEqual(c.kafka.brokers, ['h1:9092', 'h2:9092']);
    assert.equal(c.truncation.delta, 0.05);
    assert.equal(c.truncation.kMax, 50);
  });

  it('with --origins, lists the values that are not defaults and where they came from', async () => {
    const dir = dirWith({ 'svc.json': '{"model": {"hiddenSize": 8}}' });
    const r = await run(['--config', join(dir, 'svc.json'), '--origins'], { TBPTT_LOG_LEVEL: 'debug' });
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^model\.hiddenSize = 8 {2}\(file .*svc\.json\)$/m);
    assert.match(r.out, /^logLevel = "debug" {2}\(env TBPTT_LOG_LEVEL\)$/m);
    assert.doesNotMatch(r.out, /truncation\.kMax/);
  });

  it('prints every problem to stderr and exits 2', async () => {
    const r = await run(['--truncation.kMax=500', '--model.cel=gru'], { TBPTT_MODEL_HIDDEN_SIZE: '-1' });
    assert.equal(r.code, EXIT_BAD_INPUT);
    assert.equal(r.out, '');
    assert.match(r.err, /invalid configuration \(3 problems\)/);
    assert.match(r.err, /model\.hiddenSize \(env TBPTT_MODEL_HIDDEN_SIZE\)/);
    assert.match(r.err, /flag --model\.cel: unknown flag\. Did you mean --model\.cell\?/);
    assert.match(r.err, /state\.historySteps .*at least 999/);
  });

  it('--keys prints the key table and --help the usage', async () => {
    const keys = await run(['--keys']);
    assert.equal(keys.code, 0);
    assert.match(keys.out, /\| `truncation\.kMax` \|/);
    const help = await run(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.out, /^usage: tbptt-stream config/);
  });
});
