'use strict'

// mediasoup's own Node test-suite, run against mafalda.
//
// Workers are threads here, so the suite's own HAS_VIRTUAL_PIDS switch
// skips the tests that signal a worker process. Two lists in
// `conformance/expectations.js` say what else is not expected to pass:
// `skip` (tests of mediasoup's private internals, or of what mafalda does
// differently on purpose; never run) and `gaps`
// (API not implemented yet; run as `test.failing`, so a gap that starts to
// pass fails the run until it is taken off the list).

process.env.HAS_VIRTUAL_PIDS = '1'

const { skip, gaps } = require('./conformance/expectations')
const mafalda = require('..')

const groups = []
const realDescribe = global.describe
const realTest = global.test

function wrappedDescribe (name, fn) {
  return realDescribe(name, () => {
    groups.push(name)
    try {
      fn()
    } finally {
      groups.pop()
    }
  })
}
Object.assign(wrappedDescribe, realDescribe)

// The suite wraps every group in one outer describe; the group is the next.
function key (title) {
  return `${groups[1] ?? groups[0]} > ${title}`
}

function wrappedTest (title, fn, timeout) {
  const k = key(title)
  if (skip.has(k)) return realTest.skip(title, fn, timeout)
  if (gaps.has(k)) return realTest.failing(title, fn, timeout)
  return realTest(title, fn, timeout)
}
Object.assign(wrappedTest, realTest)

// The suite leaves some workers open; other spec files of this process
// expect an empty pool, so close whatever it created.
const workers = new Set()
mafalda.observer.on('newworker', (worker) => workers.add(worker))
afterAll(() => {
  for (const worker of workers) worker.close()
})

global.describe = wrappedDescribe
global.test = wrappedTest
global.it = wrappedTest
try {
  require('@mafalda-sfu/mediasoup-node-tests')(mafalda)
} finally {
  global.describe = realDescribe
  global.test = realTest
  global.it = realTest
}
