// node:stream for the Worker: memfs defines its ReadStream/WriteStream classes on these at load
// time; lxcore never uses streams, so they are only good enough to be extended.

import { EventEmitter } from './events.js';

export class Readable extends EventEmitter {
  constructor(_o?: unknown) { super(); }
  push(_chunk: unknown): boolean { return false; }
  destroy(): this { return this; }
}
export class Writable extends EventEmitter {
  constructor(_o?: unknown) { super(); }
  destroy(): this { return this; }
}
export default { Readable, Writable };
