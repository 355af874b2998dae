'use strict'

// The worker's OpenSSL and libuv are linked into the addon. They stay
// private only as long as the addon exports nothing but the Node-API entry
// point; otherwise Node's own OpenSSL/libuv could take over some of the
// worker's calls.

const { execFileSync } = require('node:child_process')
const path = require('node:path')

const binary = path.join(__dirname, '..', 'mafalda.linux-x64-gnu.node')

;(process.platform === 'linux' ? describe : describe.skip)('the built addon', () => {
  test('exports only napi_register_module_v1', () => {
    const out = execFileSync('nm', ['-D', '--defined-only', binary], { encoding: 'utf8' })
    const symbols = out.trim().split('\n').map((line) => line.trim().split(/\s+/).pop())
    expect(symbols).toEqual(['napi_register_module_v1'])
  })
})
