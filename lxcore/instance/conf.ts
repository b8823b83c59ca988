// /etc/wasl.conf: a distribution's settings, in the ini format of WSL's /etc/wsl.conf
// (learn.microsoft.com/windows/wsl/wsl-config, "wsl.conf"). `[section]` headers, `key = value`
// lines, `#` or `;` comment lines, values optionally in double quotes, booleans true/false. Keys
// are matched without regard to case, as WSL does. An unknown section or key, or a value that
// does not parse, is a warning and the default stays: a distribution must boot with any file.

/** The settings an instance boots with (defaults: WSL's, with /mnt/host for the host's root). */
export interface WaslConf {
  automount: {
    /** Mount the host's root directory under `root` (WSL mounts each Windows drive there). */
    enabled: boolean;
    /** Where host mounts go; the host's "/" is mounted at `${root}host`. */
    root: string;
    /** drvfs options for it (metadata, uid=, gid=, umask=, fmask=, dmask=, case=, ro). */
    options: string;
  };
  network: {
    /** uname's nodename and /proc/sys/kernel/hostname; default: the host's hostname. */
    hostname: string;
    /** Write /etc/hosts at boot. */
    generateHosts: boolean;
    /** Write /etc/resolv.conf at boot, with the host's nameservers. */
    generateResolvConf: boolean;
  };
  /** Parsed and kept, but wasl never runs host programs: `enabled` changes nothing (quirks.md). */
  interop: { enabled: boolean; appendWindowsPath: boolean };
  user: {
    /** The user processes run as when createProcess names none; default root. */
    default: string;
  };
  boot: {
    /** Run with /bin/sh -c as root when the instance starts, before any user process. */
    command: string;
  };
}

export type ConfOverrides = { [S in keyof WaslConf]?: Partial<WaslConf[S]> };

export function defaultConf(hostname: string): WaslConf {
  return {
    automount: { enabled: true, root: '/mnt/', options: '' },
    network: { hostname, generateHosts: true, generateResolvConf: true },
    interop: { enabled: true, appendWindowsPath: true },
    user: { default: 'root' },
    boot: { command: '' },
  };
}

/** Keys WSL knows that wasl accepts without acting on them (a warning says so, not "unknown"). */
const IGNORED: Record<string, string[]> = {
  automount: ['mountfstab', 'ldconfig', 'cgroups'],
  network: ['generatehostsfile', 'dnstunneling'],
  boot: ['systemd', 'protectbinfmt'],
  gpu: ['enabled'],
  time: ['usewindowstimezone'],
};

/**
 * Parses wasl.conf `text` over `base` (returned changed in place). `warn` gets one line per
 * problem, with its line number; nothing here throws.
 */
export function parseConf(text: string, base: WaslConf, warn: (msg: string) => void, file = '/etc/wasl.conf'): WaslConf {
  let section = '';
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const where = `${file}:${i + 1}`;
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) return;
    const head = /^\[\s*([^\]]*?)\s*\]$/.exec(line);
    if (head) {
      section = head[1].toLowerCase();
      if (!(section in base) && !(section in IGNORED)) warn(`${where}: unknown section [${head[1]}]`);
      return;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) { warn(`${where}: expected key = value, got "${line}"`); return; }
    const key = line.slice(0, eq).trim();
    let value = line.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (!section) { warn(`${where}: "${key}" outside any [section]`); return; }
    if (IGNORED[section]?.includes(key.toLowerCase())) { warn(`${where}: [${section}] ${key} is not supported by wasl; ignored`); return; }
    const group = (base as unknown as Record<string, Record<string, string | boolean>> )[section];
    if (!group) return; // the section was already reported
    const name = Object.keys(group).find((k) => k.toLowerCase() === key.toLowerCase());
    if (!name) { warn(`${where}: unknown key "${key}" in [${section}]`); return; }
    if (typeof group[name] === 'boolean') {
      const b = value.toLowerCase();
      if (b === 'true' || b === 'false') group[name] = b === 'true';
      else warn(`${where}: [${section}] ${key} expects true or false, got "${value}"; keeping ${group[name]}`);
    } else {
      group[name] = value;
    }
  });
  return base;
}

/** Applies a caller's settings (createInstance's `conf`) over `base`. */
export function applyOverrides(base: WaslConf, o: ConfOverrides | undefined): WaslConf {
  if (!o) return base;
  for (const s of Object.keys(o) as Array<keyof WaslConf>) Object.assign(base[s], o[s]);
  return base;
}
