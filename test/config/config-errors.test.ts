import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { resolveConfig } from '../../src/config/load-config';
import { formatProblem } from '../../src/errors';
import { dirWith } from './config-test-files';

/** Every problem, formatted as users see it. */
function problems(argv: string[], env: Record<string, string> = {}, cwd = '/'): string[] {
  return resolveConfig({ argv, env, cwd }).problems.map(formatProblem);
}

/** The problems of a YAML (or, by name, JSON) file. */
function fileProblems(text: string, name = 'c.yaml'): { path: string; found: string[] } {
  const dir = dirWith({ [name]: text });
  const path = join(dir, name);
  return { path, found: problems(['--config', path]) };
}

/** Asserts exactly one problem, matching every pattern. */
function one(found: string[], ...patterns: RegExp[]): void {
  assert.equal(found.length, 1, `expected one problem, got:\n${found.join('\n')}`);
  for (const p of patterns) assert.match(found[0], p);
}

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('config errors: unknown names, with suggestions', () => {
  it('a misspelt key in the file names the file and the right key', () => {
    const { path, found } = fileProblems('truncation:\n  kmax: 50\n');
    one(found, new RegExp(`^truncation\\.kmax \\(file ${esc(path)}\\): is not a configuration key\\. Did you mean truncation\\.kMax\\?`));
  });

  it('a misspelt section, a key outside its section, a key in the wrong section', () => {
    const { found } = fileProblems('truncaton:\n  kMax: 50\nhiddenSize: 3\nmodel:\n  kMax: 4\n');
    assert.equal(found.length, 3, found.join('\n'));
    assert.match(found[0], /^truncaton .*not a configuration section.*Did you mean truncation\?/);
    assert.match(found[1], /^hiddenSize .*belongs in the section model/);
    assert.match(found[2], /^model\.kMax .*Did you mean truncation\.kMax\?/);
  });

  it('a dotted key in a file, with the nested form to write', () => {
    one(fileProblems('truncation.kMax: 50\n').found, /^truncation\.kMax .*is not a configuration section or key\. Files nest keys in their section: write it as "truncation: \{kMax: \.\.\.\}"/);
  });

  it('an unknown TBPTT_ environment variable, with the closest name', () => {
    one(problems([], { TBPTT_TRUNCATION_KMAXX: '3' }), /^env TBPTT_TRUNCATION_KMAXX: is not a configuration key\. Did you mean TBPTT_TRUNCATION_K_MAX\?/);
  });

  it('an unknown flag, with the closest flag; its value is not taken for an argument', () => {
    one(problems(['--truncation.kmax', '50']), /^flag --truncation\.kmax: unknown flag\. Did you mean --truncation\.kMax\?/);
  });

  it('no suggestion when nothing is close', () => {
    one(problems(['--zzzzzzzz=1']), /unknown flag\. Run/);
  });
});

describe('config errors: command line and environment misuse', () => {
  it('a positional argument', () => {
    one(problems(['run']), /^flag run: unexpected argument; configuration flags look like --section\.key=value/);
  });
  it('a flag without its value, with an example', () => {
    one(problems(['--truncation.kMax']), /^flag --truncation\.kMax: needs a value, e\.g\. --truncation\.kMax=100/);
    one(problems(['--config']), /needs a value, e\.g\. --config service\.yaml/);
  });
  it('a flag given twice', () => {
    one(problems(['--truncation.kMax=50', '--truncation.kMax', '60']), /^flag --truncation\.kMax: is given more than once/);
  });
  it('one key set by two spellings of its environment variable', () => {
    one(problems([], { TBPTT_TRUNCATION_KMAX: '50', TBPTT_TRUNCATION_K_MAX: '60' }), /is also set by TBPTT_TRUNCATION_KMAX; set it once/);
  });
});

describe('config errors: types, with where the value came from and how to fix it', () => {
  it('a quoted number in a file', () => {
    one(fileProblems('model:\n  hiddenSize: "64"\n').found, /model\.hiddenSize \(file .*\): must be an integer ≥ 1, got the string "64"; write it without quotes/);
  });
  it('a number where a string is expected', () => {
    one(fileProblems('kafka:\n  groupId: 123\n').found, /kafka\.groupId .*must be a non-empty string, got the number 123; quote it: "123"/);
  });
  it('a single string where a list is expected, with the list to write', () => {
    one(fileProblems('kafka:\n  brokers: a:1,b:2\n').found, /kafka\.brokers .*got the string "a:1,b:2"; write a list, e\.g\. \["a:1", "b:2"\]/);
  });
  it('a YAML 1.2 "yes" is a string, not a boolean', () => {
    one(fileProblems('kafka:\n  fromBeginning: yes\n').found, /kafka\.fromBeginning .*must be true or false, got the string "yes"/);
  });
  it('a key without a value', () => {
    one(fileProblems('model:\n  seed:\n').found, /model\.seed .*has no value; give an integer from 0 to 4294967295 \(default 1\), or remove it to keep the default/);
  });
  it('a section that is not a mapping', () => {
    one(fileProblems('truncation: 5\n').found, /^truncation .*must be a mapping of keys \(e\.g\. "truncation: \{mode: \.\.\.\}"\), got 5/);
  });
  it('text that is not a decimal number (env) or a boolean (flag)', () => {
    one(problems([], { TBPTT_TRUNCATION_K_MAX: '0x10' }), /^truncation\.kMax \(env TBPTT_TRUNCATION_K_MAX\): must be an integer ≥ 1, got "0x10", which is not a decimal number/);
    one(problems([], { TBPTT_TRUNCATION_DELTA: '' }), /truncation\.delta .*not a decimal number/);
    one(problems(['--kafka.fromBeginning=maybe']), /^kafka\.fromBeginning \(flag --kafka\.fromBeginning\): must be true or false \(also 1\/0, yes\/no, on\/off\), got "maybe"/);
  });
  it('a list item that is not a string', () => {
    one(fileProblems('kafka:\n  inputTopics: [a, 3]\n').found, /kafka\.inputTopics .*item 2 must be a string, got the number 3; quote it/);
  });
});

describe('config errors: ranges, integers, enums, patterns', () => {
  it('an integer key given a fraction', () => {
    one(problems(['--state.historySteps=250.5']), /state\.historySteps .*must be an integer ≥ 2, got 250\.5, which is not a whole number; use 250 or 251/);
  });
  it('values out of range, inclusive and exclusive bounds', () => {
    one(problems(['--truncation.delta=0']), /truncation\.delta .*must be a number > 0 and < 1, got 0/);
    one(problems(['--truncation.delta=1']), /truncation\.delta .*must be a number > 0 and < 1, got 1/);
    one(problems(['--training.batchStreams=0']), /training\.batchStreams .*must be an integer ≥ 1, got 0/);
    one(problems(['--checkpoint.keep=0']), /checkpoint\.keep .*must be an integer ≥ 1, got 0/);
    one(problems(['--model.embedSize=-1']), /model\.embedSize .*must be an integer ≥ 0, got -1/);
    one(problems(['--model.hiddenSize=0']), /model\.hiddenSize .*must be an integer ≥ 1, got 0/);
    one(problems(['--metrics.port=70000']), /metrics\.port .*must be an integer from 0 to 65535, got 70000/);
    one(problems(['--training.momentum=1']), /training\.momentum .*must be a number ≥ 0 and < 1, got 1/);
    one(problems(['--training.learningRate=-0.1']), /training\.learningRate .*must be a number > 0, got -0\.1/);
  });
  it('a non-finite number in a file', () => {
    one(fileProblems('training:\n  weightDecay: .inf\n').found, /training\.weightDecay .*\(a finite number\), got Infinity/);
  });
  it('a value not in the enum, with the closest allowed value', () => {
    one(problems([], { TBPTT_MODEL_CELL: 'LSTM' }), /^model\.cell \(env TBPTT_MODEL_CELL\): must be one of "lstm", "gru", "rnn", got the string "LSTM"\. Did you mean "lstm"\?/);
    one(problems(['--truncation.method=tail']), /must be one of "ols", "ols-tail", "max", "quantile", got the string "tail"$/);
  });
  it('empty lists, bad list items, duplicates', () => {
    one(problems([], { TBPTT_KAFKA_INPUT_TOPICS: '' }), /kafka\.inputTopics .*must list at least 1 item .*got an empty list/);
    one(problems(['--kafka.inputTopics=a,b c']), /kafka\.inputTopics .*item 2 \("b c"\) must be a Kafka topic name/);
    one(problems(['--kafka.brokers=localhost']), /kafka\.brokers .*item 1 \("localhost"\) must be host:port/);
    one(problems(['--kafka.inputTopics=a,a']), /kafka\.inputTopics .*lists "a" twice/);
  });
  it('empty strings where a value is required, and invalid topic names', () => {
    one(problems(['--kafka.groupId=']), /kafka\.groupId .*must not be empty/);
    one(problems(['--kafka.predictionsTopic=..']), /kafka\.predictionsTopic .*must be a Kafka topic name .*got "\.\."/);
  });
});

describe('config errors: rules across keys', () => {
  it('kMin ≤ kMax, naming both values and their origins', () => {
    one(problems(['--truncation.kMin=20'], { TBPTT_TRUNCATION_KMAX: '10', TBPTT_TRUNCATION_K0: '10', TBPTT_STATE_HISTORY_STEPS: '100' }),
      /^truncation\.kMin = 20 \(flag --truncation\.kMin\): must be ≤ truncation\.kMax = 10 \(env TBPTT_TRUNCATION_KMAX\); lower kMin or raise kMax/);
  });
  it('kMin ≤ k0 ≤ kMax', () => {
    one(problems(['--truncation.k0=1']), /^truncation\.k0 = 1 .*must lie between truncation\.kMin = 2 \(default\) and truncation\.kMax = 100 \(default\)/);
    one(problems(['--truncation.k0=101']), /^truncation\.k0 = 101 /);
  });
  it('tau < window, and tau ≤ window − 2 for the tail methods', () => {
    one(problems(['--truncation.tau=100']), /^truncation\.tau = 100 .*must be smaller than truncation\.window = 100 \(default\); the usual choice is window − window\/10 = 90/);
    one(problems(['--truncation.tau=99', '--truncation.method=max']), /^truncation\.tau = 99 .*must be ≤ window − 2 = 98 with truncation\.method = "max"/);
    assert.deepEqual(problems(['--truncation.tau=99']), [], 'ols accepts tau = window − 1');
  });
  it('state.historySteps ≥ max(window, 2·kMax − 1), saying the minimum', () => {
    one(problems(['--truncation.kMax=150']), /^state\.historySteps = 200 \(the default\): must be ≥ max\(truncation\.window, 2·truncation\.kMax − 1\) = 299 .*truncation\.kMax = 150 \(flag --truncation\.kMax\).*at least 299/);
    one(problems(['--truncation.window=300', '--truncation.tau=270']), /state\.historySteps .*= 300 .*at least 300/);
    assert.deepEqual(problems(['--truncation.kMax=150', '--state.historySteps=299']), []);
  });
  it('an adaptive K needs a diagnostic schedule', () => {
    one(problems(['--truncation.everyWindows=0']), /^truncation\.everyWindows = 0 .*must be > 0 when truncation\.everySeconds = 0 \(default\) and truncation\.mode = "adaptive" \(default\)/);
    assert.deepEqual(problems(['--truncation.everyWindows=0', '--truncation.mode=fixed']), []);
    assert.deepEqual(problems(['--truncation.everyWindows=0', '--truncation.everySeconds=30']), []);
  });
  it('Kafka: heartbeat below the session timeout, embedded alone, distinct output topics', () => {
    one(problems(['--kafka.heartbeatIntervalMs=30000']), /kafka\.heartbeatIntervalMs = 30000 .*must be smaller than kafka\.sessionTimeoutMs = 30000 \(default\).*\(10000\)/);
    one(problems(['--kafka.brokers=embedded,h:9092']), /kafka\.brokers .*mixes "embedded" with real brokers/);
    one(problems(['--kafka.deadLetterTopic=tbptt-predictions']), /kafka\.deadLetterTopic .*must differ from kafka\.predictionsTopic/);
    one(problems(['--kafka.predictionsTopic=tbptt-input']), /kafka\.predictionsTopic .*is also an input topic .*train on its own predictions/);
    one(problems(['--kafka.deadLetterTopic=tbptt-input']), /kafka\.deadLetterTopic .*is also an input topic/);
  });
  it('input and model consistency', () => {
    one(problems(['--input.format=csv', '--input.keyFrom=id']), /input\.keyFrom = "id" .*names a JSON field, but input\.format = "csv" \(flag --input\.format\) records have no fields/);
    one(problems(['--input.alphabet=abca']), /input\.alphabet .*lists the character "a" more than once/);
    one(problems(['--input.alphabet=abc', '--input.textUnit=byte']), /input\.alphabet .*only used with textUnit "char"/);
    one(problems(['--input.format=text', '--model.head=mse']), /model\.head = "mse" .*must be "softmax" with input\.format = "text"/);
    one(problems(['--model.head=softmax', '--model.outputSize=2']), /output\.topK = 3 \(the default\): must be ≤ the number of classes \(model\.outputSize = 2/);
  });
  it('training, state, buffering and checkpoint consistency', () => {
    one(problems(['--training.optimizer=adam', '--training.momentum=0.9']), /training\.momentum = 0\.9 .*only used by optimizer "sgd"/);
    one(problems(['--training.maxGradNorm=0.5']), /training\.maxGradNorm = 0\.5 .*must be larger than training\.clipNorm = 1 \(default\)/);
    one(problems(['--state.maxKeys=8', '--training.batchStreams=9']).filter((p) => p.startsWith('state.maxKeys')), /must be ≥ training\.batchStreams = 9/);
    one(problems(['--output.maxBufferedRecords=10']), /output\.maxBufferedRecords = 10 .*must be ≥ training\.batchStreams = 16/);
    one(problems(['--truncation.diagnosticStreams=20', '--state.maxKeys=16']), /truncation\.diagnosticStreams = 20 .*must be ≤ state\.maxKeys = 16/);
    one(problems(['--checkpoint.dir=ckpt', '--checkpoint.everyWindows=0', '--checkpoint.everySeconds=0']), /checkpoint\.everyWindows = 0 .*no checkpoint is ever written/);
  });
});

describe('config errors: files that cannot be used', () => {
  it('a missing file', () => {
    one(problems(['--config', 'nope.yaml'], {}, '/tmp'), /^file \/tmp\/nope\.yaml: cannot read the configuration file: it does not exist; check the path given with --config or TBPTT_CONFIG/);
  });
  it('invalid YAML, with the line', () => {
    one(fileProblems('truncation:\n  kMax: [1, 2\n').found, /is not valid YAML: .*line/);
  });
  it('duplicate YAML keys', () => {
    one(fileProblems('model:\n  seed: 1\n  seed: 2\n').found, /is not valid YAML: .*[Uu]nique/);
  });
  it('invalid JSON', () => {
    one(fileProblems('{"model": {', 'c.json').found, /is not valid JSON/);
  });
  it('a file that is not a mapping', () => {
    one(fileProblems('- a\n- b\n').found, /must hold a mapping of sections .*got a list/);
  });
});

describe('config errors: every problem is reported, and only real ones', () => {
  it('collects problems from every layer at once', () => {
    const { path, found } = fileProblems('model:\n  hiddenSize: -3\n');
    const all = problems(['--config', path, '--truncation.kmax=1', '--logLevel=verbose'], { TBPTT_MODEL_LAYERS: 'two' });
    assert.equal(all.length, 4, all.join('\n'));
    assert.ok(found.length === 1);
    assert.ok(all.some((p) => p.includes(`file ${path}`)));
    assert.ok(all.some((p) => p.includes('env TBPTT_MODEL_LAYERS')));
    assert.ok(all.some((p) => p.includes('flag --truncation.kmax')));
    assert.ok(all.some((p) => p.includes('flag --logLevel')));
  });
  it('reports a bad file value even when a later layer overrides it', () => {
    const { path } = fileProblems('model:\n  hiddenSize: -3\n');
    one(problems(['--config', path, '--model.hiddenSize=8']), /model\.hiddenSize \(file /);
  });
  it('does not add cross-field noise about a key whose own value is invalid', () => {
    one(problems(['--truncation.kMax=abc']), /truncation\.kMax .*not a decimal number/);
  });
  it('the defaults are valid', () => {
    assert.deepEqual(problems([]), []);
  });
});
