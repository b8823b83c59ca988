// The wasl.conf parser (conf.ts): wsl.conf's ini dialect, and warnings — never failures — for
// what it does not know. Nothing here needs the wasm core.

import { describe, it, expect } from 'vitest';
import { parseConf, defaultConf, applyOverrides } from './conf.js';

function parse(text: string) {
  const warnings: string[] = [];
  const conf = parseConf(text, defaultConf('host'), (w) => warnings.push(w));
  return { conf, warnings };
}

describe('wasl.conf', () => {
  it('defaults are WSL\'s, with the host root at /mnt/host and the host\'s hostname', () => {
    expect(defaultConf('box')).toEqual({
      automount: { enabled: true, root: '/mnt/', options: '' },
      network: { hostname: 'box', generateHosts: true, generateResolvConf: true },
      interop: { enabled: true, appendWindowsPath: true },
      user: { default: 'root' },
      boot: { command: '' },
    });
  });

  it('sections, keys in any case, quoted values, booleans, comments, CRLF', () => {
    const { conf, warnings } = parse([
      '# comment', '; another', '[automount]', 'Enabled=false', 'root = /media/', 'options = "metadata,uid=1000,umask=22"',
      '[NETWORK]', 'hostName = box', 'generateHosts = FALSE', '[user]', 'default=alice', '[boot]',
      'command = mkdir -p /run/x && echo "a = b" > /run/x/y',
    ].join('\r\n'));
    expect(warnings).toEqual([]);
    expect(conf.automount).toEqual({ enabled: false, root: '/media/', options: 'metadata,uid=1000,umask=22' });
    expect(conf.network).toEqual({ hostname: 'box', generateHosts: false, generateResolvConf: true });
    expect(conf.user.default).toBe('alice');
    // Only a value wholly in quotes loses them; an `=` in the value stays.
    expect(conf.boot.command).toBe('mkdir -p /run/x && echo "a = b" > /run/x/y');
  });

  it('unknown sections and keys, bad booleans, stray lines: warnings with line numbers, defaults kept', () => {
    const { conf, warnings } = parse([
      'orphan = 1', '[network]', 'hostname', 'generateHosts = yes', 'colour = blue', '[gpu]', 'enabled = false',
      '[boot]', 'systemd = true', '[elsewhere]', 'x = 1', '[user',
    ].join('\n'));
    expect(warnings).toEqual([
      '/etc/wasl.conf:1: "orphan" outside any [section]',
      '/etc/wasl.conf:3: expected key = value, got "hostname"',
      '/etc/wasl.conf:4: [network] generateHosts expects true or false, got "yes"; keeping true',
      '/etc/wasl.conf:5: unknown key "colour" in [network]',
      '/etc/wasl.conf:7: [gpu] enabled is not supported by wasl; ignored',
      '/etc/wasl.conf:9: [boot] systemd is not supported by wasl; ignored',
      '/etc/wasl.conf:10: unknown section [elsewhere]',
      '/etc/wasl.conf:12: expected key = value, got "[user"',
    ]);
    expect(conf).toEqual(defaultConf('host'));
  });

  it('a caller\'s settings apply over the file', () => {
    const { conf } = parse('[network]\nhostname = fromfile\ngenerateHosts = false\n');
    applyOverrides(conf, { network: { hostname: 'fromapi' }, user: { default: 'bob' } });
    expect(conf.network).toEqual({ hostname: 'fromapi', generateHosts: false, generateResolvConf: true });
    expect(conf.user.default).toBe('bob');
  });
});
