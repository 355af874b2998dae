'use strict'

const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
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

// The type names `mediasoup/types` exports: those declared in types.d.ts
// itself (Either, AppData) and in each module it re-exports
// (`export type * from './XTypes'`: the *Types.d.ts files and errors.d.ts).
function mediasoupTypeNames (libDir) {
  const declared = /^export\s+(?:declare\s+)?(?:abstract\s+)?(?:type|interface|class|enum|const|function|namespace)\s+([A-Za-z_$][\w$]*)/gm
  const read = (name) => fs.readFileSync(path.join(libDir, `${name}.d.ts`), 'utf8')
  const index = read('types')
  const modules = [...index.matchAll(/^export\s+(?:type\s+)?\*\s+from\s+'\.\/([^']+)'/gm)].map((m) => m[1])
  const names = new Set()
  for (const module of ['types', ...modules]) {
    for (const match of read(module).matchAll(declared)) names.add(match[1])
  }
  return { modules, names: [...names] }
}

function mediasoupLibDir () {
  try {
    // node/lib/index.js; the package's exports hide its package.json.
    return path.dirname(require.resolve('mediasoup'))
  } catch (_) {
    return undefined
  }
}

const libDir = mediasoupLibDir()
const testWithMediasoup = libDir ? test : test.skip

testWithMediasoup(`__test__/types/all-names.ts imports and uses every type name of mediasoup/types${
  libDir ? '' : ' (skipped: the mediasoup package is not installed, nothing to compare with)'
}`, () => {
  const { modules, names } = mediasoupTypeNames(libDir)
  // The parsing still finds what it should (a format change would empty it).
  expect(modules).toEqual(expect.arrayContaining(['WorkerTypes', 'RouterTypes', 'errors']))
  expect(names).toEqual(expect.arrayContaining(['Either', 'AppData', 'WorkerDump', 'InvalidStateError']))
  expect(names.length).toBeGreaterThan(150)

  const source = fs.readFileSync(path.join(__dirname, 'types', 'all-names.ts'), 'utf8')
    .replace(/\/\/.*$/gm, '')
  const imports = /import\s+type\s*\{([^}]*)\}\s*from\s*'\.\.\/\.\.'/.exec(source)
  const tuple = /export\s+type\s+_All\s*=\s*\[([^\]]*)\]/.exec(source)
  expect(imports).not.toBeNull()
  expect(tuple).not.toBeNull()
  const imported = new Set(imports[1].split(',').map((name) => name.trim()).filter(Boolean))
  const used = new Set(tuple[1].match(/[A-Za-z_$][\w$]*/g))

  // tsc (test above) then fails if index.d.ts lacks one of them.
  expect(names.filter((name) => !imported.has(name))).toEqual([])
  expect(names.filter((name) => !used.has(name))).toEqual([])
})
