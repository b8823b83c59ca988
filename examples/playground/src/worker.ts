// The playground's Worker entry: the Node-shaped host goes in first, then the kernel is imported
// (lxcore's modules read the host when they load), then boot.ts takes the page's messages.

import { install } from './host/index.js';

install();
const queued: MessageEvent[] = [];
self.onmessage = (e) => { queued.push(e); };
const { start } = await import('./boot.js');
start(queued);
