'use strict'

// An instance that dies with no other instance live to see it go (a whole
// deployment stopped at once) leaves its rooms in Redis; the next instance
// to join takes it out of them. A real redis-server and a real second
// application process, killed.

const mafalda = require('..')
const { sleep, waitFor } = require('./helpers')
const { startRedis, startAppInstance, stopAll } = require('./support/cluster')

const SECRET = 'orphans-test-secret'

let redis

beforeAll(async () => {
  redis = await startRedis()
}, 30000)

afterAll(async () => {
  await mafalda.cluster.leave()
  await stopAll()
})

test('the rooms of an instance that died unseen leave Redis once another instance joins', async () => {
  const app = startAppInstance()
  let appSelf, room
  try {
    appSelf = await app.call('join', { redis: redis.url, address: '127.0.0.4', secret: SECRET, maxWorkers: 1 })
    room = await app.call('createRouter')
    await waitFor(() => redis.keys(`*:room:${room.id}`).length === 1 && redis.keys(`*:rooms-of:${appSelf.id}`).length === 1)
  } finally {
    await app.stop('SIGKILL')
  }
  // Its announcement expires (2.5 s); nobody was there to see it go.
  await sleep(3500)
  expect(redis.keys('*:instance:*')).toEqual([])
  expect(redis.keys(`*:room:${room.id}`)).toHaveLength(1)

  await mafalda.cluster.join({ redis: redis.url, address: '127.0.0.1', secret: SECRET })
  // Missing for 10 s over sweeps every 5 s.
  await waitFor(() => redis.keys(`*:rooms-of:${appSelf.id}`).length === 0, { timeout: 30000, interval: 250 })
  expect(redis.keys(`*:room:${room.id}`)).toEqual([])
  // This instance is untouched: its announcement is there.
  expect(redis.keys('*:instance:*')).toHaveLength(1)
}, 60000)
