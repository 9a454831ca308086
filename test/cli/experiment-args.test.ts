import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromSeed, parseExperimentArgs, selectMethods } from '../../src/cli/commands/experiment';
import { copyExperiment } from '../../src/experiments/copy-experiment';

test('--methods runs only the named methods of the grid, accepting delta= for δ=', () => {
  const args = parseExperimentArgs(['copy', '--quick', '--methods', 'K=10, delta=0.1']);
  assert.deepEqual(args.methods, ['K=10', 'δ=0.1']);
  const plan = selectMethods(copyExperiment({ variable: false, quick: false, engine: 'ts' }), args.methods);
  assert.deepEqual(plan.methods.map((m) => m.label), ['K=10', 'δ=0.1']);
  assert.match(plan.profileNotes.join('\n'), /only K=10, δ=0.1/);
});

test('--methods with a label the grid lacks names the known methods', () => {
  const plan = copyExperiment({ variable: false, quick: false, engine: 'ts' });
  assert.throws(() => selectMethods(plan, ['K=11']), /unknown method "K=11"; this experiment has K=5, K=10/);
  assert.throws(() => parseExperimentArgs(['copy', '--methods', ' , ']), /at least one method/);
});

test('the text experiment trains with Adam by default, with the paper\'s SGD on --optimizer sgd, scales the rate with K, and says which in the report', async () => {
  const { textExperiment } = await import('../../src/experiments/text-experiment');
  const args = parseExperimentArgs(['text', '--file', 'x.txt', '--optimizer', 'adam']);
  assert.equal(args.optimizer, 'adam');
  const { writeFileSync, mkdtempSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const file = join(mkdtempSync(join(tmpdir(), 'text-')), 'in.txt');
  writeFileSync(file, 'to be or not to be, that is the question. '.repeat(200));
  const adam = textExperiment({ file, quick: true, optimizer: 'adam' });
  assert.equal(adam.config.optimizer, 'adam');
  assert.equal(adam.config.lrScaling, 'sqrt', 'the paper\'s scaling of the rate with K by default');
  assert.match(adam.profileNotes.join('\n'), /Adam, learning rate γ0·√K with γ0 = 2e−3\/√2 \(2e−3 at K = 2/);
  const unscaled = textExperiment({ file, quick: true, optimizer: 'adam', lrScaling: 'none' });
  assert.deepEqual([unscaled.config.learningRate, unscaled.config.lrScaling], [2e-3, 'none']);
  assert.match(unscaled.profileNotes.join('\n'), /Adam, learning rate 2e−3 at every K/);
  assert.equal(textExperiment({ file, quick: true }).config.optimizer, 'adam', 'Adam is the default');
  const sgd = textExperiment({ file, quick: true, optimizer: 'sgd' });
  assert.equal(sgd.config.optimizer, 'sgd');
  assert.equal(sgd.config.lrScaling, 'sqrt');
  assert.match(sgd.profileNotes.join('\n'), /SGD γ0 = 1.0 · √K/);
  assert.throws(() => parseExperimentArgs(['text', '--file', 'x', '--optimizer', 'rmsprop']), /--optimizer must be sgd or adam/);
  assert.throws(() => parseExperimentArgs(['copy', '--optimizer', 'adam']), /unknown option "--optimizer" for experiment copy/);

  // --lr-scale: Adam's rate is 2e-3 at K = Kmin and grows with K; the learner's rate at K follows
  const { scaledLearningRate } = await import('../../src/learner/optim/lr-scaling');
  assert.equal(parseExperimentArgs(['text', '--file', 'x', '--lr-scale', 'sqrt']).lrScaling, 'sqrt');
  const scaled = textExperiment({ file, quick: false, optimizer: 'adam', lrScaling: 'sqrt', maxChars: 4000, streams: 4 });
  const kMin = scaled.config.truncation.kMin;
  assert.equal(scaled.config.lrScaling, 'sqrt');
  assert.ok(Math.abs(scaledLearningRate(scaled.config.learningRate, kMin, 'sqrt') - 2e-3) < 1e-12);
  assert.ok(Math.abs(scaledLearningRate(scaled.config.learningRate, 4 * kMin, 'sqrt') - 4e-3) < 1e-12);
  assert.match(scaled.profileNotes.join('\n'), new RegExp(`Adam, learning rate γ0·√K with γ0 = 2e−3/√${kMin}`));
  const linear = textExperiment({ file, quick: true, optimizer: 'sgd', lrScaling: 'linear' });
  assert.deepEqual([linear.config.learningRate, linear.config.lrScaling], [1, 'linear']);
  assert.throws(() => parseExperimentArgs(['text', '--file', 'x', '--lr-scale', 'log']), /--lr-scale must be none, sqrt or linear/);
  assert.throws(() => parseExperimentArgs(['copy', '--lr-scale', 'sqrt']), /unknown option "--lr-scale" for experiment copy/);
});

test('--first-seed shifts the seeds of a run and says so in the report', () => {
  const args = parseExperimentArgs(['copy', '--seeds', '2', '--first-seed', '3']);
  assert.equal(args.firstSeed, 3);
  const plan = fromSeed(copyExperiment({ variable: false, quick: true, seeds: args.seeds, engine: 'ts' }), args.firstSeed);
  assert.deepEqual(plan.seeds, [3, 4]);
  assert.match(plan.profileNotes.join('\n'), /seeds 3, 4 \(--first-seed 3\)/);
  assert.throws(() => parseExperimentArgs(['copy', '--first-seed', '0']), /--first-seed must be a positive integer/);
});
