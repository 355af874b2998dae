'use strict'

// Every spec file of this process shares one pool of real workers, so a
// test must leave it as it found it even when it fails halfway. This file
// (Jest's setupFilesAfterEnv) tracks every worker and room a spec creates,
// through the module's observer, and closes them:
// * what a test (or a beforeEach) created: after that test;
// * what a beforeAll created: after the file;
// and then waits until the pool no longer serves the closed rooms, so that
// the next test or file starts from a pool without them. The pool's
// configuration is restored after the file; media pumps and UDP sockets a
// test started through the helpers are stopped and closed after it.

const mafalda = require('../..')
const { closeSockets, openSockets, stopPumps } = require('../helpers')

const fileScope = new Set()
const testScope = new Set()
let inTest = false
// Sockets open when the test began (a beforeAll's): kept until the file ends.
let fileSockets = new Set()

function track (object) {
  (inTest ? testScope : fileScope).add(object)
}
mafalda.observer.on('newworker', track)
mafalda.observer.on('newrouter', track)
mafalda.observer.on('newworker', (worker) => worker.observer.on('newrouter', track))

function roomIds (objects) {
  const ids = new Set()
  for (const object of objects) {
    if (object.constructor.name === 'Router') ids.add(object.id)
  }
  return ids
}

/** Closes what is still open and waits until no real router serves them. */
async function closeAll (objects) {
  const rooms = roomIds(objects)
  // Workers first: closing one closes its rooms and servers.
  for (const object of [...objects].sort((a, b) => rank(a) - rank(b))) {
    if (!object.closed) object.close()
  }
  objects.clear()
  if (rooms.size === 0) return
  const deadline = Date.now() + 10000
  for (;;) {
    const { workers } = await mafalda.dump()
    const left = workers.flatMap((w) => w.routers.flatMap((r) => r.routerIds)).filter((id) => rooms.has(id))
    if (left.length === 0) return
    if (Date.now() > deadline) throw new Error(`rooms still in the pool after closing them: ${left.join(', ')}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

function rank (object) {
  return object.constructor.name === 'Worker' ? 0 : 1
}

let configuration

beforeAll(() => {
  configuration = mafalda.getConfiguration()
})

beforeEach(() => {
  inTest = true
  fileSockets = openSockets()
})

afterEach(async () => {
  inTest = false
  await stopPumps()
  closeSockets(fileSockets)
  await closeAll(testScope)
})

afterAll(async () => {
  await stopPumps()
  closeSockets()
  await closeAll(fileScope)
  mafalda.configure(configuration)
})
