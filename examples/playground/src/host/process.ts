// `require('process')` (memfs asks when it loads, before install()): the Worker's stand-in.
export default (globalThis as { process?: unknown }).process ?? { cwd: () => '/', env: {} };
