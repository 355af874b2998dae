// `mafalda/types`, as `mediasoup/types`: every public type, for
// `import type { Router } from 'mafalda/types'`.
export type * from './index'
// The classes `mafalda.types` holds at run time (types.js).
export {
  InvalidStateError,
  UnsupportedError,
  Worker,
  WebRtcServer,
  Router,
  Transport,
  WebRtcTransport,
  PlainTransport,
  PipeTransport,
  DirectTransport,
  Producer,
  Consumer,
  DataProducer,
  DataConsumer,
  RtpObserver,
  AudioLevelObserver,
  ActiveSpeakerObserver
} from './index'
