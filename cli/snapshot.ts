// The entry of the CLI's V8 start-up snapshot (issue #11, start-up): `npm run build` writes this
// file as dist/cli/wasl.snapshot.cjs and runs `node --snapshot-blob dist/cli/wasl.snapshot.blob
// --build-snapshot` on it (tools/bundle-cli.mjs). It compiles and initialises the bundle
// (dist/cli/wasl.bundle.cjs: every module's top level, the syscall tables, procfs's tree ...), and
// V8 saves the heap that results. `dist/cli/wasl` (package.json's bin, a shell script) starts node
// from that blob, so a run begins with the modules already initialised; cli/wasl.ts registers
// its main() as the function a process started from the snapshot runs.
//
// A snapshot keeps whatever the modules' top level read from the machine and the moment it was
// built on. So while the bundle initialises, the host's clocks, files, environment and identity
// are watched: a read of the environment is allowed but named (the launcher starts without the
// snapshot whenever one of those variables is set, since the snapshot holds the build's value),
// and any other read is an error that leaves no blob (the launcher then takes the ordinary path,
// dist/cli/wasl.cjs). Such a read belongs at first use instead (e.g. lxcore/fs/hostinfo.ts).

const fs = process.getBuiltinModule('node:fs');
const os = process.getBuiltinModule('node:os');
const { Script } = process.getBuiltinModule('node:vm');
const { dirname, join } = process.getBuiltinModule('node:path');

type Fn = (...a: unknown[]) => unknown;
const bundle = join(__dirname, 'wasl.bundle.cjs');
// Compiled with the bundle's code cache (made by a run of a hello just before): the bytecode of
// every function that run called is then in the heap, and V8 keeps compiled functions in the
// snapshot. Without it, those a run needs beyond the modules' initialisation would be compiled
// from source in every process. (The cache matches because the build starts this with the same
// V8 flag that dist/cli/wasl.cjs sets before compiling.)
let cachedData: Buffer | undefined;
try { cachedData = fs.readFileSync(bundle.replace(/\.cjs$/, '.v8cache')); } catch { /* none */ }
const script = new Script(fs.readFileSync(bundle, 'latin1'), { filename: bundle, cachedData });
fs.writeSync(1, `wasl-snapshot-cache ${cachedData === undefined ? 'none' : script.cachedDataRejected ? 'rejected' : 'used'}\n`);
const run = script.runInThisContext() as
  (exports: object, require: NodeJS.Require, module: object, filename: string, dirname: string) => void;
const envRead = new Set<string>();
const hostRead: string[] = [];
let watching = true;
const restore: Array<() => void> = [];

/** Replaces obj[name] by a function that notes the call while the bundle initialises. */
function watch(obj: Record<string, unknown>, name: string, label: string): void {
  const f = obj[name];
  if (typeof f !== 'function') return;
  const wrapped = function (this: unknown, ...a: unknown[]): unknown {
    if (watching) hostRead.push(`${label}.${name}(${a.length ? String(a[0]).slice(0, 60) : ''})\n${new Error().stack?.split('\n').slice(2, 6).join('\n')}`);
    return (f as Fn).apply(this, a);
  };
  Object.assign(wrapped, f); // process.hrtime.bigint and the like
  obj[name] = wrapped;
  restore.push(() => { obj[name] = f; });
}

const fsObj = fs as unknown as Record<string, unknown>;
for (const k of Object.keys(fs)) if (/Sync$/.test(k)) watch(fsObj, k, 'fs');
for (const k of Object.keys(os)) watch(os as unknown as Record<string, unknown>, k, 'os');
for (const k of ['hrtime', 'cwd', 'uptime', 'cpuUsage', 'resourceUsage', 'memoryUsage', 'getuid', 'geteuid', 'getgid', 'getegid', 'getgroups', 'umask']) {
  watch(process as unknown as Record<string, unknown>, k, 'process');
}
watch(Date as unknown as Record<string, unknown>, 'now', 'Date');
watch(Math as unknown as Record<string, unknown>, 'random', 'Math');
const env = process.env;
process.env = new Proxy(env, {
  get(t, k) { if (watching && typeof k === 'string') envRead.add(k); return Reflect.get(t, k); },
  has(t, k) { if (watching && typeof k === 'string') envRead.add(k); return Reflect.has(t, k); },
});
restore.push(() => { process.env = env; });

const bundleModule = { exports: {} };
run(bundleModule.exports, require, bundleModule, bundle, dirname(bundle));

watching = false;
for (const r of restore) r();
if (hostRead.length) {
  throw new Error(`wasl snapshot: the bundle's initialisation read the host (move these reads to first use):\n${hostRead.join('\n')}`);
}
// tools/bundle-cli.mjs reads this line: the variables whose build-time value the snapshot holds.
fs.writeSync(1, `wasl-snapshot-env ${JSON.stringify([...envRead].sort())}\n`);
