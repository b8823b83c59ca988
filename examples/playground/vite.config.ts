// The playground's build: the page, the kernel in a module Worker, core.wasm from dist/ (run
// `npm run build` first; `npm run build:playground` does), the root filesystem image built from
// this machine's busybox-static, and the cross-origin isolation headers in dev and preview.
// Run with `--configLoader runner` (the npm scripts do): the default loader writes the bundled
// config into node_modules/.vite-temp.

import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';
import { rootfsPlugin } from './rootfs.mjs';

const host = (f: string) => fileURLToPath(new URL(`./src/host/${f}`, import.meta.url));
// COOP/COEP: cross-origin isolation (SharedArrayBuffer, finer timers). The page works without.
const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  // Vite's dependency cache stays in this folder: node_modules may be shared (a symlink).
  cacheDir: fileURLToPath(new URL('./.vite', import.meta.url)),
  plugins: [rootfsPlugin()],
  // memfs's Node dependencies, answered by the Worker's host (lxcore itself imports none).
  resolve: {
    alias: [
      { find: /^(node:)?buffer$/, replacement: host('buffer.ts') },
      { find: /^(node:)?path$/, replacement: host('path.ts') },
      { find: /^(node:)?events$/, replacement: host('events.ts') },
      { find: /^(node:)?stream$/, replacement: host('stream.ts') },
      { find: /^(node:)?url$/, replacement: host('url.ts') },
      { find: /^(node:)?process$/, replacement: host('process.ts') },
    ],
  },
  worker: { format: 'es' },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 2000 },
  server: { headers: isolation, fs: { allow: ['../..'] } },
  preview: { headers: isolation },
});
