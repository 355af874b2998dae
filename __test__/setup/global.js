'use strict'

// Runs once in Jest's own process before any test file: the variable
// reaches the native side of every test file (a test file's process.env is
// Jest's copy, which native code does not see). It enables mafalda's test
// hooks (`mafalda._test`), used by worker-death.spec.js.
module.exports = () => {
  process.env.MAFALDA_TEST_HOOKS = '1'
}
