#!/usr/bin/env node
'use strict'

// A media node of a mafalda cluster: joins and serves the work other
// instances delegate to it (transports, observers, pipes), nothing else.
//
//   mafalda-node --redis URL --address IP --secret S [--instance-id ID]
//     [--max-workers N] [--consumer-budget N] [--cpu-watermark P]
//     [--rtc-min-port P --rtc-max-port Q] [--drain-timeout MS]
//     [--redis-ca FILE] [--redis-cert FILE --redis-key FILE]
//
// Prints one line when joined. On SIGTERM it drains: takes no new work,
// lets the rooms it serves run until they end (at most --drain-timeout ms,
// default 60000), then leaves the cluster and exits 0. SIGINT leaves at once.

const fs = require('node:fs')
const { parseArgs } = require('node:util')
const mafalda = require('..')

const USAGE = 'usage: mafalda-node --redis URL --address IP --secret S [--instance-id ID] ' +
  '[--max-workers N] [--consumer-budget N] [--cpu-watermark P] [--rtc-min-port P --rtc-max-port Q] [--drain-timeout MS] ' +
  '[--redis-ca FILE] [--redis-cert FILE --redis-key FILE]'

function numberOption (values, name) {
  const text = values[name]
  if (text === undefined) return undefined
  const value = Number(text)
  if (!Number.isFinite(value)) throw new TypeError(`--${name} must be a number, got "${text}"`)
  return value
}

/** `--redis-ca`, `--redis-cert`, `--redis-key`: PEM files for rediss://. */
function redisTls (values) {
  const files = { ca: values['redis-ca'], cert: values['redis-cert'], key: values['redis-key'] }
  if (Object.values(files).every((file) => file === undefined)) return undefined
  const tls = {}
  for (const [name, file] of Object.entries(files)) {
    if (file !== undefined) tls[name] = fs.readFileSync(file, 'utf8')
  }
  return tls
}

async function main () {
  const { values } = parseArgs({
    options: {
      redis: { type: 'string' },
      address: { type: 'string' },
      secret: { type: 'string' },
      'instance-id': { type: 'string' },
      'max-workers': { type: 'string' },
      'consumer-budget': { type: 'string' },
      'cpu-watermark': { type: 'string' },
      'rtc-min-port': { type: 'string' },
      'rtc-max-port': { type: 'string' },
      'drain-timeout': { type: 'string' },
      'redis-ca': { type: 'string' },
      'redis-cert': { type: 'string' },
      'redis-key': { type: 'string' },
      help: { type: 'boolean' }
    }
  })
  if (values.help) {
    console.log(USAGE)
    return
  }
  if (!values.redis || !values.address || !values.secret) throw new TypeError(USAGE)
  // The secret may also come from the environment, to keep it out of `ps`.
  mafalda.configure({
    maxWorkers: numberOption(values, 'max-workers'),
    consumerBudget: numberOption(values, 'consumer-budget'),
    cpuWatermark: numberOption(values, 'cpu-watermark')
  })
  const rtcMinPort = numberOption(values, 'rtc-min-port')
  const rtcMaxPort = numberOption(values, 'rtc-max-port')
  const workerSettings = rtcMinPort !== undefined || rtcMaxPort !== undefined
    ? { logLevel: 'error', rtcMinPort: rtcMinPort ?? 10000, rtcMaxPort: rtcMaxPort ?? 59999 }
    : undefined
  const self = await mafalda.cluster.join({
    redis: values.redis,
    address: values.address,
    secret: values.secret === '-' ? process.env.MAFALDA_SECRET : values.secret,
    instanceId: values['instance-id'],
    tls: redisTls(values),
    workerSettings
  })
  console.log(`mafalda-node ${self.id} joined at ${self.address} (pid ${process.pid})`)
  const drainTimeout = numberOption(values, 'drain-timeout') ?? 60000
  let leaving = false
  const leave = (drain) => async () => {
    if (leaving) return
    leaving = true
    try {
      if (drain) {
        console.log(`mafalda-node ${self.id} draining (at most ${drainTimeout} ms)`)
        await mafalda.cluster.drain({ timeout: drainTimeout })
      } else {
        await mafalda.cluster.leave()
      }
    } finally {
      process.exit(0)
    }
  }
  process.on('SIGTERM', leave(true))
  process.on('SIGINT', leave(false))
}

main().catch((error) => {
  console.error(`mafalda-node: ${error.message}`)
  process.exit(1)
})
