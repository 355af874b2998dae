// `mafalda/types`, as `mediasoup/types`: every public type, for
// `import type { Router } from 'mafalda/types'`.
export type * from './index'
