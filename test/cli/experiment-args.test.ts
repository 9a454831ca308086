import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseExperimentArgs, selectMethods } from '../../src/cli/commands/experiment';
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
