'use strict'

// A failed test never causes failures elsewhere: a spec file that throws
// halfway through a room (transport, producer, socket open) leaves the pool
// and its configuration as they were for the next file of the process, and
// Jest still exits by itself.

const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const mafalda = require('..')

test('a failing spec file leaves the next file of the process an empty pool, and Jest exits by itself', () => {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mafalda-isolation-')), 'result.json')
  const jest = require.resolve('jest/bin/jest')
  const config = path.join(__dirname, 'fixtures', 'isolation', 'jest.config.js')
  const run = spawnSync(process.execPath, [jest, '--config', config, '--runInBand', '--json', '--outputFile', out], {
    cwd: path.join(__dirname, '..'),
    encoding: 'utf8',
    timeout: 90000,
    env: { ...process.env, EXPECTED_MAX_WORKERS: String(mafalda.getConfiguration().maxWorkers) }
  })
  // Jest ended on its own (not killed by the timeout).
  expect(run.error).toBeUndefined()
  expect(run.signal).toBeNull()
  const result = JSON.parse(fs.readFileSync(out, 'utf8'))
  fs.rmSync(path.dirname(out), { recursive: true, force: true })
  const byFile = Object.fromEntries(result.testResults.map((r) => [path.basename(r.name), r]))
  expect(byFile['1-fails.fixture.js'].status).toBe('failed')
  expect(byFile['1-fails.fixture.js'].message).toContain('deliberate failure halfway through a room')
  expect(byFile['2-clean.fixture.js'].message).toBe('')
  expect(byFile['2-clean.fixture.js'].status).toBe('passed')
  expect(run.status).toBe(1)
}, 120000)
