'use strict'

const createDebug = require('debug')

// Log lines through the `debug` package, as mediasoup does. Each line goes
// to two namespaces: mafalda's own (`mafalda:Pool`, `mafalda:WARN:Pool`…)
// and the mediasoup namespace an application watching mediasoup already
// enables (`mediasoup:Worker`, `mediasoup:Router`…), so `DEBUG=mediasoup*`
// keeps showing what the workers say.

const LEVELS = ['debug', 'warn', 'error']

/** The three `debug` functions of `name` under `prefix`, as mediasoup names them. */
function namespaces (prefix, name) {
  const suffix = name ? `:${name}` : ''
  return {
    debug: createDebug(`${prefix}${suffix}`),
    warn: createDebug(`${prefix}:WARN${suffix}`),
    error: createDebug(`${prefix}:ERROR${suffix}`)
  }
}

/** Writes one line to both of its namespaces, at a level. */
class Logger {
  constructor (name, mediasoupName) {
    this._targets = [namespaces('mafalda', name), namespaces('mediasoup', mediasoupName)]
  }

  /** Whether a line at `level` would be printed anywhere. */
  enabled (level) {
    return this._targets.some((target) => target[level].enabled)
  }

  log (level, ...args) {
    for (const target of this._targets) {
      if (target[level].enabled) target[level](...args)
    }
  }

  debug (...args) { this.log('debug', ...args) }
  warn (...args) { this.log('warn', ...args) }
  error (...args) { this.log('error', ...args) }
}

// The native side's categories, in its bit order (mafalda_core::LogCategory):
// what each is about, where mafalda logs it and where mediasoup would.
const CATEGORIES = {
  // Real workers started and closed, and why.
  pool: new Logger('Pool', 'Worker'),
  // Rooms placed on a worker, rooms grown onto another one.
  placement: new Logger('Placement', 'Router'),
  // Pipes between real routers (mediasoup's pipeToRouter() lives on Router).
  pipe: new Logger('Pipe', 'Router'),
  // The real workers' own lines (their logLevel / logTags decide which).
  worker: new Logger('Worker', 'Worker')
}

// `mafalda.configure()` is the module's own call, as createWorker() is
// mediasoup's: its line goes to the module's namespace there.
const config = new Logger('Config', '')

// Several machines: instances joining, delegations, inter-instance pipes.
const cluster = new Logger('Cluster', '')

/**
 * The (category, level) pairs some enabled namespace would print, as the
 * native side's bit set: bit `category * 3 + level`. Read once, when the
 * module loads: the native side then formats nothing else.
 */
function selection () {
  let bits = 0
  Object.values(CATEGORIES).forEach((logger, category) => {
    LEVELS.forEach((level, index) => {
      if (logger.enabled(level)) bits |= 1 << (category * 3 + index)
    })
  })
  return bits
}

/** Prints a record of the native side: `{ category, level, message }`. */
function fromNative ({ category, level, message }) {
  const logger = CATEGORIES[category]
  if (logger && LEVELS.includes(level)) logger.log(level, message)
}

module.exports = { Logger, config, cluster, selection, fromNative }
