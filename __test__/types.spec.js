'use strict'

const { execFileSync } = require('node:child_process')
const path = require('node:path')

test('index.d.ts type-checks code written against mediasoup\'s API', () => {
  const tsc = require.resolve('typescript/bin/tsc')
  const project = path.join(__dirname, 'types', 'tsconfig.json')
  let output = ''
  try {
    execFileSync(process.execPath, [tsc, '-p', project], { encoding: 'utf8' })
  } catch (error) {
    output = `${error.stdout}${error.stderr}`
  }
  expect(output).toBe('')
}, 60000)
