// Users of a distribution, as its own /etc/passwd and /etc/group say (passwd(5), group(5)):
// what `wasl -d NAME -u USER` becomes, as login(1) would: uid, gid, the supplementary groups
// initgroups(3) finds (the primary gid among them), home directory and login shell.

export interface GuestUser {
  name: string;
  uid: number;
  gid: number;
  groups: number[];
  home: string;
  shell: string;
}

/** Looks `who` (a name, or a numeric uid) up in the contents of passwd and group. */
export function findUser(passwd: string, group: string, who: string | number): GuestUser | null {
  for (const line of passwd.split('\n')) {
    const f = line.split(':');
    if (f.length < 7 || line.startsWith('#')) continue;
    const uid = Number(f[2]);
    if (typeof who === 'number' ? uid !== who : f[0] !== who) continue;
    const gid = Number(f[3]);
    const groups = [gid];
    for (const g of group.split('\n')) {
      const gf = g.split(':');
      if (gf.length < 4) continue;
      const members = gf[3].split(',').filter(Boolean);
      const id = Number(gf[2]);
      if (members.includes(f[0]) && !groups.includes(id)) groups.push(id);
    }
    // Sorted, as the kernel keeps them after setgroups(2) (groups_sort), so getgroups agrees.
    groups.sort((a, b) => a - b);
    return { name: f[0], uid, gid, groups, home: f[5] || '/', shell: f[6] || '/bin/sh' };
  }
  return null;
}
