// Run by tests/teardown.test.ts in a node process of its own: records the process's open
// descriptors and active handles, runs leaky.c in three instances (its main process exits, kills
// itself, or is killed by Kernel.shutdown), shuts each instance down, and records them again.
//   node teardown-probe.mjs BIN SCRATCH ROOTDIR OUTPREFIX
import { readdirSync, readlinkSync, readFileSync, openSync, closeSync } from 'node:fs';

const [bin, scratch, rootDir, outPrefix] = process.argv.slice(2);
const { spawnProgram } = await import(new URL('../../dist/lxcore/index.js', import.meta.url));

const fds = () => readdirSync('/proc/self/fd').map((fd) => {
  try { return `${fd} -> ${readlinkSync(`/proc/self/fd/${fd}`)}`; } catch { return null; } // readdir's own fd
}).filter(Boolean).sort();
const handles = () => {
  const n = {};
  for (const h of process.getActiveResourcesInfo()) n[h] = (n[h] ?? 0) + 1;
  return n;
};
const pause = (ms) => new Promise((r) => setTimeout(r, ms));
const snapshot = () => JSON.stringify({ fds: fds(), handles: handles() });

const devnull = openSync('/dev/null', 'r');
// A first instance warms Node up: its first socket loads the DNS resolver, which keeps a
// descriptor of its own (/dev/null) for the process's life. That one is Node's, not wasl's.
const results = [];
let before;
for (const mode of ['warm-up', 'exit', 'kill', 'wait']) {
  if (mode === 'exit') { await pause(100); before = snapshot(); }
  const out = `${outPrefix}${mode}`;
  const outFd = openSync(out, 'w');
  const { kernel, process: p } = spawnProgram(bin, {
    argv: ['leaky', mode === 'warm-up' ? 'exit' : mode, `/mnt/data/leak-${mode}`, `/leak-${mode}`], env: [], root: rootDir,
    mounts: [{ guest: '/mnt/data', host: scratch, options: {} }], stdio: [devnull, outFd, outFd],
  });
  if (mode === 'wait') {
    for (let i = 0; i < 1200 && !readFileSync(out, 'utf8').includes('ready'); i++) await pause(50);
  } else {
    await p.exited;
  }
  await kernel.shutdown();
  const status = await p.exited;
  closeSync(outFd);
  results.push({ mode, status, output: readFileSync(out, 'utf8'), fds: fds() });
}
// Node closes sockets and timers asynchronously: give it a moment, then compare.
let after = snapshot();
for (let i = 0; i < 100 && after !== before; i++) { await pause(50); after = snapshot(); }
console.log(JSON.stringify({ before: JSON.parse(before), after: JSON.parse(after), results }));
process.exit(0);
