'use strict'

// Prints the conformance suite's result per group after a Jest run that
// included it: passed, failed, expected failures and skipped as separate
// columns (Jest counts a `test.failing` that fails as passed; this table
// does not), then every skipped test with its reason.

const { skip, gaps } = require('./expectations')

// The suite skips these itself when HAS_VIRTUAL_PIDS is set (conformance.spec.js sets it).
const SUITE_SKIP_REASON = 'skipped by the suite itself under HAS_VIRTUAL_PIDS: ' +
  'it kills or signals the worker process, and mafalda\'s workers are threads of the application\'s process'

const COLUMNS = ['passed', 'failed', 'expected failures', 'skipped']

/** What a test result counts as, and why it was not run when it was not. */
function classify (test) {
  const group = test.ancestorTitles[1] ?? test.ancestorTitles[0]
  const key = `${group} > ${test.title}`
  if (test.status === 'passed') return { group, column: gaps.has(key) ? 'expected failures' : 'passed' }
  if (test.status === 'failed') return { group, column: 'failed' }
  return { group, column: 'skipped', reason: skip.get(key) ?? SUITE_SKIP_REASON, key }
}

class ConformanceReporter {
  onTestResult (_test, result) {
    if (!result.testFilePath.endsWith('conformance.spec.js')) return
    const groups = new Map()
    const total = Object.fromEntries(COLUMNS.map((c) => [c, 0]))
    const skipped = []
    for (const test of result.testResults) {
      const { group, column, reason, key } = classify(test)
      const counts = groups.get(group) ?? Object.fromEntries(COLUMNS.map((c) => [c, 0]))
      counts[column]++
      total[column]++
      groups.set(group, counts)
      if (reason) skipped.push(`  - ${key}: ${reason}`)
    }
    const width = [...groups.keys(), 'total'].reduce((w, g) => Math.max(w, g.length), 0) + 2
    const row = (name, counts) => `  ${name.padEnd(width)}` +
      COLUMNS.map((c) => String(counts[c]).padStart(c.length)).join('  ')
    process.stdout.write(
      '\nmediasoup conformance suite (@mafalda-sfu/mediasoup-node-tests):\n' +
      `  ${''.padEnd(width)}${COLUMNS.join('  ')}\n` +
      [...groups].map(([group, counts]) => row(group, counts)).join('\n') + '\n' +
      row('total', total) + '\n' +
      'expected failures: API not there yet, listed with what is missing in __test__/conformance/expectations.js\n' +
      (skipped.length ? `skipped:\n${skipped.join('\n')}\n` : '')
    )
  }
}

module.exports = ConformanceReporter
