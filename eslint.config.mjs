// Lint rules: typescript-eslint recommended, plus the house rule that each external library
// lives at one edge of the code (docs: ../shared/docs/style.md, principle 12).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const edge = (pkg, folder) => ({
  group: [pkg, `${pkg}/*`],
  message: `${pkg} may only be imported under ${folder}`,
});

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.cache/', 'out/', 'bin/', 'scripts/', 'grafana/**/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', {
        patterns: [
          edge('kafkajs', 'src/source/kafka/'),
          edge('@tensorflow', 'src/learner/engines/tfjs/'),
          edge('prom-client', 'src/telemetry/'),
        ],
      }],
    },
  },
  { files: ['src/source/kafka/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' } },
  { files: ['src/learner/engines/tfjs/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [edge('kafkajs', 'src/source/kafka/'), edge('prom-client', 'src/telemetry/')] }] } },
  { files: ['src/telemetry/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [edge('kafkajs', 'src/source/kafka/'), edge('@tensorflow', 'src/learner/engines/tfjs/')] }] } },
);
