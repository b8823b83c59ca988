// Generated files are committed; this fails when one is stale (STYLE.md: CI checks it).
import { it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './support/build.js';

for (const tool of ['gen-dispatch.mjs', 'gen-compat.mjs']) {
  it(`${tool} output is current`, () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'tools', tool), '--check'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
}
