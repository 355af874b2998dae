'use strict'

// A `worker_threads` worker that loads mafalda is a Node environment of its
// own, sharing the process's pool: each environment gets the events of
// what it created, and a thread that ends closes what it created and
// nothing else.

const path = require('node:path')
const { Worker: Thread } = require('node:worker_threads')
const mafalda = require('..')
const { mediaCodecs, opusRtpParameters, consumerCapabilities, rtpPacket, waitFor } = require('./helpers')

const THREAD_SSRC = 81000001
const MAIN_SSRC = 81000002

// The thread: a room with a producer and a consumer on DirectTransports,
// answering 'send' (10 packets), 'count' (packets its consumer got) and
// 'exit'.
const THREAD = `
const { parentPort } = require('node:worker_threads')
const mafalda = require(${JSON.stringify(path.join(__dirname, '..'))})
const { mediaCodecs, opusRtpParameters, consumerCapabilities, rtpPacket } = require(${JSON.stringify(path.join(__dirname, 'helpers'))})
;(async () => {
  const worker = await mafalda.createWorker()
  const router = await worker.createRouter({ mediaCodecs })
  const send = await router.createDirectTransport()
  const recv = await router.createDirectTransport()
  const producer = await send.produce({ kind: 'audio', rtpParameters: opusRtpParameters(${THREAD_SSRC}) })
  const consumer = await recv.consume({ producerId: producer.id, rtpCapabilities: consumerCapabilities(router) })
  let received = 0
  consumer.on('rtp', () => { received++ })
  parentPort.on('message', (message) => {
    if (message === 'send') {
      for (let i = 0; i < 10; i++) {
        producer.send(rtpPacket({ payloadType: 100, sequenceNumber: i, timestamp: i * 960, ssrc: ${THREAD_SSRC} }))
      }
      parentPort.postMessage({ sent: 10 })
    }
    if (message === 'count') parentPort.postMessage({ received })
    if (message === 'exit') process.exit(0)
  })
  parentPort.postMessage({ routerId: router.id })
})().catch((error) => parentPort.postMessage({ error: String(error) }))
`

/** Posts `message` to the thread and resolves with its next reply. */
function ask (thread, message) {
  return new Promise((resolve) => {
    thread.once('message', resolve)
    thread.postMessage(message)
  })
}

function send (producer, ssrc) {
  for (let i = 0; i < 10; i++) {
    producer.send(rtpPacket({ payloadType: 100, sequenceNumber: i, timestamp: i * 960, ssrc }))
  }
}

describe('worker_threads', () => {
  test('a second environment gets its own events, the first keeps its own, and the thread ending closes only its work', async () => {
    const worker = await mafalda.createWorker()
    const router = await worker.createRouter({ mediaCodecs })
    const sendTransport = await router.createDirectTransport()
    const recvTransport = await router.createDirectTransport()
    const producer = await sendTransport.produce({ kind: 'audio', rtpParameters: opusRtpParameters(MAIN_SSRC) })
    const consumer = await recvTransport.consume({ producerId: producer.id, rtpCapabilities: consumerCapabilities(router) })
    let received = 0
    consumer.on('rtp', () => { received++ })
    const died = jest.fn()
    worker.on('died', died)

    const thread = new Thread(THREAD, { eval: true })
    try {
      const ready = await new Promise((resolve, reject) => {
        thread.once('message', resolve)
        thread.once('error', reject)
      })
      expect(ready.error).toBeUndefined()
      const threadRoom = ready.routerId

      // Both environments get the packets of their own consumers.
      await ask(thread, 'send')
      await waitFor(async () => (await ask(thread, 'count')).received >= 10)
      send(producer, MAIN_SSRC)
      await waitFor(() => received >= 10)

      const rooms = async () => (await mafalda.dump()).workers.flatMap((w) => w.routers.flatMap((r) => r.routerIds))
      expect(await rooms()).toEqual(expect.arrayContaining([router.id, threadRoom]))

      // The thread ends: its room closes, this one goes on.
      const exited = new Promise((resolve) => thread.once('exit', resolve))
      thread.postMessage('exit')
      await exited
      await waitFor(async () => !(await rooms()).includes(threadRoom))
      expect(await rooms()).toContain(router.id)
      expect(router.closed || worker.closed || consumer.closed).toBe(false)
      expect(died).not.toHaveBeenCalled()
      received = 0
      send(producer, MAIN_SSRC)
      await waitFor(() => received >= 10)
    } finally {
      await thread.terminate()
      worker.close()
    }
  })
})
