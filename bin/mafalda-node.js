#!/usr/bin/env node
'use strict'

// A media node of a mafalda cluster: joins and serves the work other
// instances delegate to it (transports, observers, pipes), nothing else.
//
//   mafalda-node --redis URL --address IP --secret S [--instance-id ID]
//     [--max-workers N] [--consumer-budget N] [--cpu-watermark P]
//     [--rtc-min-port P --rtc-max-port Q]
//
// Prints one line when joined; leaves the cluster on SIGTERM or SIGINT and
// exits 0.

const { parseArgs } = require('node:util')
const mafalda = require('..')

const USAGE = 'usage: mafalda-node --redis URL --address IP --secret S [--instance-id ID] ' +
  '[--max-workers N] [--consumer-budget N] [--cpu-watermark P] [--rtc-min-port P --rtc-max-port Q]'

function numberOption (values, name) {
  const text = values[name]
  if (text === undefined) return undefined
  const value = Number(text)
  if (!Number.isFinite(value)) throw new TypeError(`--${name} must be a number, got "${text}"`)
  return value
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
    workerSettings
  })
  console.log(`mafalda-node ${self.id} joined at ${self.address} (pid ${process.pid})`)
  let leaving = false
  const leave = async () => {
    if (leaving) return
    leaving = true
    try {
      await mafalda.cluster.leave()
    } finally {
      process.exit(0)
    }
  }
  process.on('SIGTERM', leave)
  process.on('SIGINT', leave)
}

main().catch((error) => {
  console.error(`mafalda-node: ${error.message}`)
  process.exit(1)
})
