'use strict'

// Keys are "<group> > <test title>" as the suite declares them.

/** Tests that reach into mediasoup-node's private internals, or ask for what
 * a threads-based mediasoup cannot be, or that mafalda does differently on
 * purpose. Never run. */
const skip = new Map([
  ["Consumer > Consumer emits \"score\"", "drives the object through mediasoup-node's private channel (channelForTesting)"],
  ["mediasoup > mediasoup.version matches version field in package.json", "requires `version` to be the suite's own mediasoup version; mafalda reports its own"],
  ["Producer > Producer emits \"score\"", "drives the object through mediasoup-node's private channel (channelForTesting)"],
  ["WebRtcTransport > WebRtcTransport events succeed", "drives the object through mediasoup-node's private channel (channelForTesting)"],
  ["Worker > Worker.workerBin matches mediasoup-worker absolute path", "mediasoup-node's worker executable path; mafalda's workers are threads of the process, there is no executable"],
  ["PipeTransport > router.pipeToRouter() fails if both Routers belong to the same Worker", "mafalda pipes between routers (rooms) of one worker on purpose: rooms with the same codecs share its real router, so nothing is created"]
])

/** Not implemented yet: run as `test.failing`, each with what is missing. */
const gaps = new Map([
  ["Consumer > transport.consume() can be created with user provided mid", "the worker mafalda links caps a MID at 8 characters; the test uses 10"],
  ["Consumer > consumer.dump() succeeds", "the worker mafalda links dumps this audio consumer with 1 header extension where mediasoup 3.14.7's dumps 3"],
  ["PipeTransport > router.createPipeTransport() with enableRtx succeeds", "the worker mafalda links puts a different set of header extensions on pipe consumers than mediasoup 3.14.7's"],
  ["PipeTransport > router.pipeToRouter() succeeds with audio", "no PipeTransports are created between routers (rooms) of one process: the router dumps count one transport fewer"],
  ["PipeTransport > router.pipeToRouter() succeeds with video", "no PipeTransports are created between routers (rooms) of one process: the router dumps count one transport fewer"],
  ["PipeTransport > router.pipeToRouter() succeeds with data", "no PipeTransports are created between routers (rooms) of one process: the router dumps count one transport fewer"],
  ["PipeTransport > router.pipeToRouter() called twice generates a single PipeTransport pair", "no PipeTransports are created between routers (rooms) of one process: the router dumps count one transport fewer"],
  ["PipeTransport > router.pipeToRouter() called in two Routers passing one to each other as argument generates a single PipeTransport pair", "no PipeTransports are created between routers (rooms) of one process: the router dumps count one transport fewer"]
])

module.exports = { skip, gaps }
