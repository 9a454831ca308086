import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkConfigValue } from '../../src/config/check-config-value';
import { CONFIG_KEYS, keyByEnvVar, keyByPath, screamingSnake } from '../../src/config/config-keys';

describe('config keys', () => {
  it('SCREAMING_SNAKE_CASE of camelCase names', () => {
    assert.equal(screamingSnake('sessionTimeoutMs'), 'SESSION_TIMEOUT_MS');
    assert.equal(screamingSnake('kMax'), 'K_MAX');
    assert.equal(screamingSnake('k0'), 'K0');
    assert.equal(screamingSnake('logLevel'), 'LOG_LEVEL');
  });

  it('every key has a distinct env var and flag that lead back to it', () => {
    assert.equal(new Set(CONFIG_KEYS.map((k) => k.envVar)).size, CONFIG_KEYS.length);
    for (const k of CONFIG_KEYS) {
      assert.equal(keyByEnvVar(k.envVar), k, k.envVar);
      assert.equal(keyByEnvVar(k.envVar.replace(/_/g, '').replace(/^TBPTT/, 'TBPTT_')), k, `${k.envVar} without inner underscores`);
      assert.equal(keyByPath(k.flag.slice(2)), k, k.flag);
    }
    assert.equal(keyByEnvVar('TRUNCATION_K_MAX'), undefined, 'the prefix is required');
  });

  it('every default satisfies its own key spec', () => {
    for (const k of CONFIG_KEYS) assert.equal(checkConfigValue(k.spec, k.defaultValue, k.defaultValue), null, k.path);
  });

  it('every enum default is one of its values', () => {
    for (const k of CONFIG_KEYS) if (k.spec.type === 'enum') assert.ok(k.spec.values.includes(k.defaultValue as string), k.path);
  });
});
