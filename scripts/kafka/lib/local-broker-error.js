'use strict';
// @ts-check
/**
 * The one error type of the local broker tooling. `code` says what failed, `hint` says how to fix it
 * (what to install, which log to read), so callers can print both.
 *
 * Codes: JAVA_MISSING, JAVA_TOO_OLD, MAVEN_MISSING, JAR_FETCH_FAILED, FORMAT_FAILED, BROKER_EXITED,
 * BROKER_NOT_READY, BAD_OPTION.
 */
class LocalBrokerError extends Error {
  /**
   * @param {string} code
   * @param {string} message
   * @param {string} [hint]
   */
  constructor(code, message, hint) {
    super(hint ? `${message}\n${hint}` : message);
    this.name = 'LocalBrokerError';
    this.code = code;
    this.hint = hint ?? '';
  }
}

module.exports = { LocalBrokerError };
