'use strict'

// Prints the conformance suite's result per group (passed / expected to
// fail / skipped / failed) after a Jest run that included it.

class ConformanceReporter {
  onTestResult (_test, result) {
    if (!result.testFilePath.endsWith('conformance.spec.js')) return
    const groups = new Map()
    for (const test of result.testResults) {
      const group = test.ancestorTitles[1] ?? test.ancestorTitles[0]
      const counts = groups.get(group) ?? { passed: 0, failed: 0, skipped: 0 }
      if (test.status === 'passed') counts.passed++
      else if (test.status === 'failed') counts.failed++
      else counts.skipped++
      groups.set(group, counts)
    }
    const lines = [...groups].map(([group, c]) =>
      `  ${group.padEnd(22)} ${String(c.passed).padStart(3)} passed ${String(c.failed).padStart(3)} failed ${String(c.skipped).padStart(3)} skipped`)
    const total = [...groups.values()].reduce((t, c) => ({
      passed: t.passed + c.passed, failed: t.failed + c.failed, skipped: t.skipped + c.skipped
    }), { passed: 0, failed: 0, skipped: 0 })
    process.stdout.write(`\nmediasoup conformance suite (@mafalda-sfu/mediasoup-node-tests):\n${lines.join('\n')}\n` +
      `  ${'total'.padEnd(22)} ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped ` +
      '(skips listed with reasons in __test__/conformance/expectations.js)\n')
  }
}

module.exports = ConformanceReporter
