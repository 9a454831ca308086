import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { defaultConfig } from '../../src/config/config-schema';
import { loadConfig, resolveConfig } from '../../src/config/load-config';
import { ConfigError, TbpttError } from '../../src/errors';
import { dirWith } from './config-test-files';

const noInputs = { argv: [] as string[], env: {} as Record<string, string>, cwd: '/nonexistent' };

describe('loadConfig: precedence defaults ← file ← env ← flags', () => {
  const dir = dirWith({
    'service.yaml': 'truncation:\n  kMax: 40\n  kMin: 3\n  delta: 0.05\nmodel:\n  hiddenSize: 32\n',
  });
  const file = join(dir, 'service.yaml');

  it('returns the defaults when nothing is given', () => {
    const c = loadConfig(noInputs);
    assert.deepEqual(c, defaultConfig);
    assert.notEqual(c, defaultConfig, 'a copy, not the defaults object itself');
  });

  it('applies each layer over the one before it, key by key', () => {
    const c = loadConfig({
      argv: ['--config', file, '--truncation.kMax=30'],
      env: { TBPTT_TRUNCATION_KMAX: '35', TBPTT_TRUNCATION_K_MIN: '4' },
      cwd: dir,
    });
    assert.equal(c.truncation.kMax, 30, 'flag beats env and file');
    assert.equal(c.truncation.kMin, 4, 'env beats file');
    assert.equal(c.truncation.delta, 0.05, 'file beats default');
    assert.equal(c.model.hiddenSize, 32, 'file beats default');
    assert.equal(c.truncation.window, 100, 'untouched keys keep their default');
    assert.equal(c.model.cell, 'lstm');
  });

  it('records where every value came from', () => {
    const r = resolveConfig({ argv: ['--config', file, '--truncation.kMax=30'], env: { TBPTT_TRUNCATION_K_MIN: '4' }, cwd: dir });
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.origins.get('truncation.kMax'), { kind: 'flag', flag: '--truncation.kMax' });
    assert.deepEqual(r.origins.get('truncation.kMin'), { kind: 'env', name: 'TBPTT_TRUNCATION_K_MIN' });
    assert.deepEqual(r.origins.get('truncation.delta'), { kind: 'file', path: file });
    assert.deepEqual(r.origins.get('truncation.window'), { kind: 'default' });
    assert.equal(r.file, file);
  });

  it('takes the file from TBPTT_CONFIG, relative to cwd, and lets --config override it', () => {
    const d = dirWith({ 'a.yaml': 'model: {hiddenSize: 11}\n', 'b.json': '{"model": {"hiddenSize": 22}}' });
    assert.equal(loadConfig({ argv: [], env: { TBPTT_CONFIG: 'a.yaml' }, cwd: d }).model.hiddenSize, 11);
    assert.equal(loadConfig({ argv: ['--config=b.json'], env: { TBPTT_CONFIG: 'a.yaml' }, cwd: d }).model.hiddenSize, 22);
  });

  it('ignores environment variables without the TBPTT_ prefix and the local-broker script settings', () => {
    const c = loadConfig({ argv: [], env: { HOME: '/root', KMAX: '7', TBPTT_KAFKA_CACHE: '/tmp/x', TBPTT_KAFKA_VERSION: '3.9.1' }, cwd: '/' });
    assert.deepEqual(c, defaultConfig);
  });
});

describe('loadConfig: files', () => {
  it('reads YAML with nested sections, lists and a top-level key', () => {
    const d = dirWith({
      'c.yml': [
        'kafka:',
        '  brokers:',
        '    - kafka-1:9092',
        '    - kafka-2:9092',
        '  fromBeginning: false',
        'training: {optimizer: adam, learningRate: 1e-3}',
        'logLevel: debug',
        '',
      ].join('\n'),
    });
    const c = loadConfig({ argv: ['--config', join(d, 'c.yml')], env: {}, cwd: '/' });
    assert.deepEqual(c.kafka.brokers, ['kafka-1:9092', 'kafka-2:9092']);
    assert.equal(c.kafka.fromBeginning, false);
    assert.equal(c.training.optimizer, 'adam');
    assert.equal(c.training.learningRate, 0.001);
    assert.equal(c.logLevel, 'debug');
  });

  it('reads JSON', () => {
    const d = dirWith({ 'c.json': JSON.stringify({ truncation: { mode: 'fixed', k0: 20 }, state: { maxKeys: 1000 } }) });
    const c = loadConfig({ argv: ['--config', join(d, 'c.json')], env: {}, cwd: '/' });
    assert.equal(c.truncation.mode, 'fixed');
    assert.equal(c.truncation.k0, 20);
    assert.equal(c.state.maxKeys, 1000);
  });

  it('treats an empty YAML file as no settings', () => {
    const d = dirWith({ 'empty.yaml': '' });
    assert.deepEqual(loadConfig({ argv: ['--config', join(d, 'empty.yaml')], env: {}, cwd: '/' }), defaultConfig);
  });
});

describe('loadConfig: coercion of env and flag text', () => {
  const load = (env: Record<string, string>, argv: string[] = []) => loadConfig({ argv, env, cwd: '/' });

  it('numbers: integers, decimals, exponents, surrounding spaces', () => {
    const c = load({ TBPTT_TRUNCATION_DELTA: '5e-2', TBPTT_TRAINING_LEARNING_RATE: ' .25 ', TBPTT_MODEL_HIDDEN_SIZE: '+128' });
    assert.equal(c.truncation.delta, 0.05);
    assert.equal(c.training.learningRate, 0.25);
    assert.equal(c.model.hiddenSize, 128);
  });

  it('booleans: true/false, 1/0, yes/no, on/off in any case, and a bare flag', () => {
    for (const [text, want] of [['false', false], ['FALSE', false], ['0', false], ['no', false], ['Off', false], ['true', true], ['1', true], ['YES', true], ['on', true]] as const) {
      assert.equal(load({ TBPTT_KAFKA_FROM_BEGINNING: text }).kafka.fromBeginning, want, text);
    }
    assert.equal(load({ TBPTT_KAFKA_FROM_BEGINNING: 'false' }, ['--kafka.fromBeginning']).kafka.fromBeginning, true);
    assert.equal(load({}, ['--kafka.fromBeginning', 'false']).kafka.fromBeginning, false);
    assert.equal(load({}, ['--kafka.fromBeginning=no', '--truncation.kMax', '60']).truncation.kMax, 60);
  });

  it('string lists: comma-separated, items trimmed', () => {
    const c = load({ TBPTT_KAFKA_BROKERS: 'host1:9092, host2:9092', TBPTT_KAFKA_INPUT_TOPICS: 'a' }, ['--kafka.inputTopics', 'x,y.z']);
    assert.deepEqual(c.kafka.brokers, ['host1:9092', 'host2:9092']);
    assert.deepEqual(c.kafka.inputTopics, ['x', 'y.z']);
  });

  it('enums and strings as written; a flag value may start with a single dash', () => {
    const c = load({ TBPTT_MODEL_CELL: 'gru', TBPTT_TRUNCATION_METHOD: 'ols-tail', TBPTT_INPUT_ALPHABET: 'ab c' }, ['--kafka.clientId', '-svc-']);
    assert.equal(c.model.cell, 'gru');
    assert.equal(c.truncation.method, 'ols-tail');
    assert.equal(c.input.alphabet, 'ab c');
    assert.equal(c.kafka.clientId, '-svc-');
  });

  it('accepts env names with or without underscores inside the key, and the top-level key', () => {
    assert.equal(load({ TBPTT_TRUNCATION_KMAX: '50' }).truncation.kMax, 50);
    assert.equal(load({ TBPTT_TRUNCATION_K_MAX: '50' }).truncation.kMax, 50);
    assert.equal(load({ TBPTT_KAFKA_SESSIONTIMEOUTMS: '45000' }).kafka.sessionTimeoutMs, 45000);
    assert.equal(load({ TBPTT_LOG_LEVEL: 'warn' }).logLevel, 'warn');
    assert.equal(load({}, ['--logLevel=error']).logLevel, 'error');
  });
});

describe('loadConfig: the result is deep-frozen', () => {
  it('rejects writes to sections, keys and list items', () => {
    const c = loadConfig({ argv: ['--kafka.brokers=a:1,b:2'], env: {}, cwd: '/' });
    assert.ok(Object.isFrozen(c));
    for (const section of Object.values(c)) if (typeof section === 'object') assert.ok(Object.isFrozen(section));
    assert.ok(Object.isFrozen(c.kafka.brokers));
    assert.throws(() => { (c.truncation as { kMax: number }).kMax = 1; }, TypeError);
    assert.throws(() => { (c.kafka.brokers as string[]).push('c:3'); }, TypeError);
    assert.throws(() => { (c as { logLevel: string }).logLevel = 'debug'; }, TypeError);
  });

  it('leaves the defaults object untouched and unfrozen by loading', () => {
    loadConfig({ argv: ['--truncation.kMax=50'], env: {}, cwd: '/' });
    assert.equal(defaultConfig.truncation.kMax, 100);
  });
});

describe('loadConfig: errors', () => {
  it('throws a non-retriable ConfigError, a TbpttError, listing every problem', () => {
    let caught: unknown;
    try {
      loadConfig({ argv: ['--model.hiddenSize=0', '--truncation.delta=2'], env: { TBPTT_MODEL_CELL: 'lstmm' }, cwd: '/' });
    } catch (e) {
      caught = e;
    }
    assert.ok(caught instanceof ConfigError);
    assert.ok(caught instanceof TbpttError);
    assert.equal(caught.retriable, false);
    assert.equal(caught.name, 'ConfigError');
    assert.deepEqual(caught.problems.map((p) => p.key).sort(), ['model.cell', 'model.hiddenSize', 'truncation.delta']);
    assert.match(caught.message, /^invalid configuration \(3 problems\):/);
    for (const p of caught.problems) assert.ok(caught.message.includes(p.message));
  });
});
