// The path fuzzer's model (issue #10; tests/fuzz/paths.test.ts): a maze of directories, files and
// symlinks spread over three filesystems of a wasl instance, and where each path through it must
// resolve — written from path_resolution(7), mount(2), rename(2), link(2), mkdir(2), open(2) and
// the order in which fs/namei.c makes its checks, not from wasl's walk (lxcore/vfs/namespace.ts).
//
// The guest's world, which the model describes:
//   /  (isolated volfs) ─ tmp ─ B ─ drv   drvfs mount of host directory B/drv, at the same path
//                          │         └ m  a second drvfs mount of host B/drv/m, inside the first
//                          └ B-vol        a directory of the volfs root (the maze's third part)
// Natively the same paths are plain host directories (no mounts), and B also holds "secret", a
// canary the guest must never reach. A query is compared with native execution unless its answer
// depends on what only one side has (mounts: EXDEV, EBUSY; anything above the maze: the host's
// own files) — there the model alone decides, and the query runs only under wasl ("guest-only").
//
// Permissions: the querying process owns every maze node (it built them), so the owner bits of
// the modes used (0777, 0555, 0666, 0000 for directories; 0644, 0000 for files) decide.

export const ENOENT = 2, EACCES = 13, EEXIST = 17, EXDEV = 18, ENOTDIR = 20, EINVAL = 22, EBUSY = 16,
  EPERM = 1, ENAMETOOLONG = 36, ELOOP = 40;
const PATH_MAX = 4096, NAME_MAX = 255, MAXSYMLINKS = 40;

export type Kind = 'd' | 'f' | 'l';

export class Node {
  readonly children = new Map<string, Node>();
  /** The mount whose root covers this directory, if any. */
  mountedBy: Mount | null = null;
  /** Made by the test as root (the mounted directories), not by the querying process. */
  rootOwned = false;
  constructor(
    readonly label: string, readonly kind: Kind, public mode: number, public parent: Node | null,
    readonly mount: Mount, readonly target = '',
    /** Above the maze: the host's own directories natively, volfs skeleton in the guest. */
    readonly outside = false,
  ) {}
}

export class Mount {
  root!: Node;
  constructor(readonly name: string, readonly point: Node | null) {}
}

type Walked = { node: Node } | { err: number };
type Parent = { dir: Node; last: string | null; trailing: boolean } | { err: number };

/** Per query: whether the answer depends on the host's own files above the maze. */
interface Trace { hostDep: boolean; links: number }

export class World {
  readonly rootMount = new Mount('volfs', null);
  readonly root: Node;
  readonly all: Node[] = [];
  private labels = 0;

  constructor() {
    this.root = new Node('root', 'd', 0o755, null, this.rootMount, '', true);
    this.rootMount.root = this.root;
  }

  label(prefix = 'n'): string { return `${prefix}${this.labels++}`; }

  add(parent: Node, name: string, kind: Kind, mode: number, target = '', outside = false, label = this.label()): Node {
    const n = new Node(label, kind, mode, parent, parent.mount, target, outside);
    parent.children.set(name, n);
    this.all.push(n);
    return n;
  }

  /** Mounts a new filesystem on directory `at`; returns its root. */
  mountOn(at: Node, name: string, label: string): Node {
    const m = new Mount(name, at);
    const r = new Node(label, 'd', 0o777, at.parent, m);
    m.root = r;
    at.mountedBy = m;
    this.all.push(r);
    return r;
  }

  /** The path getcwd reports for a directory. */
  pathOf(n: Node): string {
    const names: string[] = [];
    for (let cur = n; cur !== this.root;) {
      if (cur.mount.point && cur === cur.mount.root) { cur = cur.mount.point; continue; }
      const p = cur.parent!;
      names.push([...p.children].find(([, c]) => c === cur)![0]);
      cur = p;
    }
    return '/' + names.reverse().join('/');
  }

  private searchable(d: Node): boolean { return d.outside || (d.mode & 0o100) !== 0; }
  private writable(d: Node): boolean { return !d.outside ? (d.mode & 0o300) === 0o300 : d.mode === 0o1777; }
  /** A sticky directory owned by root (/tmp): only an entry's owner may remove or rename it. */
  private sticky(d: Node): boolean { return (d.mode & 0o1000) !== 0; }
  private readable(n: Node): boolean { return n.outside || (n.mode & 0o400) !== 0; }

  /** ".." of a directory: the process root stays put; a mount's root climbs to its mount point first. */
  private up(d: Node): Node {
    if (d === this.root) return d;
    while (d.mount.point && d === d.mount.root) d = d.mount.point;
    return d.parent ?? d;
  }

  /** A name looked up in a directory, stepping into whatever is mounted on the result. */
  private child(d: Node, name: string, t: Trace): Node | null {
    let c = d.children.get(name) ?? null;
    if (d.outside && !c) t.hostDep = true; // natively the host's own names live here
    while (c?.mountedBy) c = c.mountedBy.root;
    return c;
  }

  /** link_path_walk: every component but the last (which `parent` mode returns unlooked-up). */
  private walk(start: Node, path: string, follow: boolean, wantParent: boolean, t: Trace): Walked | Parent {
    let cur = path.startsWith('/') ? this.root : start;
    const trailing = /[^/]\/+$/.test(path);
    const comps = path.split('/').filter((c) => c.length > 0);
    if (comps.length === 0) return wantParent ? { dir: cur, last: null, trailing: false } : { node: cur };
    for (let i = 0; i < comps.length; i++) {
      const name = comps[i], last = i === comps.length - 1;
      if (!this.searchable(cur)) return { err: EACCES };
      if (last && wantParent) return { dir: cur, last: name, trailing };
      let next: Node | null;
      if (name === '.') next = cur;
      else if (name === '..') next = this.up(cur);
      else {
        if (Buffer.byteLength(name) > NAME_MAX) return { err: ENAMETOOLONG };
        next = this.child(cur, name, t);
        if (!next) return { err: ENOENT };
      }
      if (next.kind === 'l' && (!last || follow || trailing)) {
        if (++t.links > MAXSYMLINKS) return { err: ELOOP };
        const rest = comps.slice(i + 1).join('/');
        const through = rest ? `${next.target}/${rest}${trailing ? '/' : ''}` : next.target + (trailing ? '/' : '');
        return this.walk(next.target.startsWith('/') ? this.root : cur, through, follow, wantParent, t);
      }
      if (!last && next.kind !== 'd') return { err: ENOTDIR };
      cur = next;
    }
    if (trailing && cur.kind !== 'd') return { err: ENOTDIR };
    return { node: cur };
  }

  private lookup(base: Node, path: string, follow: boolean, t: Trace): Walked {
    if (path.length === 0) return { err: ENOENT };
    if (path.length >= PATH_MAX) return { err: ENAMETOOLONG };
    return this.walk(base, path, follow, false, t) as Walked;
  }

  private parentOf(base: Node, path: string, t: Trace): Parent {
    if (path.length === 0) return { err: ENOENT };
    if (path.length >= PATH_MAX) return { err: ENAMETOOLONG };
    return this.walk(base, path, false, true, t) as Parent;
  }

  /** The answer to one query, as pathmaze.c prints it, and whether native can be compared. */
  answer(q: Query, n: number): { out: string; guestOnly: boolean } {
    const t: Trace = { hostDep: false, links: 0 };
    let mountDep = false;
    const out = ((): string => {
      switch (q.op) {
        case 'S': {
          const r = this.lookup(q.base, q.path, !q.nofollow, t);
          return 'err' in r ? `e${r.err}` : `=${r.node.label}`;
        }
        case 'O': {
          const r = this.lookup(q.base, q.path, !q.nofollow, t);
          if ('err' in r) return `e${r.err}`;
          if (q.directory && r.node.kind !== 'd') return `e${ENOTDIR}`;
          if (r.node.kind === 'l') return `e${ELOOP}`;
          if (!this.readable(r.node)) return `e${EACCES}`;
          return `=${r.node.label}`;
        }
        case 'C': {
          const r = this.lookup(q.base, q.path, true, t);
          if ('err' in r) return `e${r.err}`;
          if (r.node.kind !== 'd') return `e${ENOTDIR}`;
          if (!this.searchable(r.node)) return `e${EACCES}`;
          return this.pathOf(r.node);
        }
        case 'M': {
          const p = this.parentOf(q.base, q.path, t);
          if ('err' in p) return `e${p.err}`;
          if (p.last === null || p.last === '.' || p.last === '..') return `e${EEXIST}`;
          if (Buffer.byteLength(p.last) > NAME_MAX) return `e${ENAMETOOLONG}`;
          if (p.dir.outside) t.hostDep = true;
          if (p.dir.children.has(p.last)) return `e${EEXIST}`;
          if (!this.writable(p.dir)) return `e${EACCES}`;
          if (t.hostDep) throw new Unmodelled(); // native would change the host's own directories
          this.add(p.dir, p.last, 'd', 0o777, '', false, `q${n}`);
          return 'ok';
        }
        case 'R': {
          const a = this.parentOf(q.base, q.path, t);
          if ('err' in a) return `e${a.err}`;
          const b = this.parentOf(q.base2!, q.path2!, t);
          if ('err' in b) return `e${b.err}`;
          if (a.dir.outside || b.dir.outside) t.hostDep = true;
          if (a.dir.mount !== b.dir.mount) { mountDep = true; return `e${EXDEV}`; }
          const normal = (s: string | null) => s !== null && s !== '.' && s !== '..';
          if (!normal(a.last) || !normal(b.last)) return `e${EBUSY}`;
          if (Buffer.byteLength(a.last!) > NAME_MAX) return `e${ENAMETOOLONG}`;
          const src = a.dir.children.get(a.last!);
          if (!src) return `e${ENOENT}`;
          if (Buffer.byteLength(b.last!) > NAME_MAX) return `e${ENAMETOOLONG}`;
          if (b.dir.children.has(b.last!)) throw new Error('the generator renames to fresh names only');
          for (let d: Node | null = b.dir; d; d = this.parentForTrap(d)) if (d === src) return `e${EINVAL}`;
          // may_delete: write and search on the parent, then the sticky bit (owner of file or dir).
          if (!this.writable(a.dir)) return `e${EACCES}`;
          if (this.sticky(a.dir) && src.outside) return `e${EPERM}`;
          if (!this.writable(b.dir)) return `e${EACCES}`;
          if (src.kind === 'd' && a.dir !== b.dir && !(src.mode & 0o200)) return `e${EACCES}`; // MAY_WRITE only
          if (src.mountedBy) { mountDep = true; return `e${EBUSY}`; }
          if ((src.kind === 'd' && this.holdsPinned(src)) || t.hostDep) throw new Unmodelled();
          a.dir.children.delete(a.last!);
          b.dir.children.set(b.last!, src);
          src.parent = b.dir;
          return 'ok';
        }
        case 'K': {
          const a = this.lookup(q.base, q.path, q.follow!, t);
          if ('err' in a) return `e${a.err}`;
          const b = this.parentOf(q.base2!, q.path2!, t);
          if ('err' in b) return `e${b.err}`;
          if (b.dir.outside) t.hostDep = true;
          if (b.last === null || b.last === '.' || b.last === '..') return `e${EEXIST}`;
          if (Buffer.byteLength(b.last) > NAME_MAX) return `e${ENAMETOOLONG}`;
          if (b.dir.children.has(b.last)) return `e${EEXIST}`;
          if (a.node.mount !== b.dir.mount) { mountDep = true; return `e${EXDEV}`; }
          // may_linkat with fs.protected_hardlinks = 1: a source the caller does not own must be
          // a regular file it may read and write. Nodes above the maze are root's.
          if ((a.node.outside || a.node.rootOwned) && !(a.node.kind === 'f' && (a.node.mode & 0o6) === 0o6)) return `e${EPERM}`;
          if (!this.writable(b.dir)) return `e${EACCES}`;
          if (a.node.kind === 'd') return `e${EPERM}`;
          if (t.hostDep) throw new Unmodelled();
          b.dir.children.set(b.last, a.node);
          return 'ok';
        }
      }
    })();
    return { out, guestOnly: t.hostDep || mountDep };
  }

  /** Directories held open as dirfds: wasl finds them again by path (docs/quirks.md). */
  readonly pinned = new Set<Node>();
  private holdsPinned(d: Node): boolean {
    if (this.pinned.has(d)) return true;
    for (const c of d.children.values()) if (c.kind === 'd' && c.parent === d && this.holdsPinned(c)) return true;
    return false;
  }

  /** The directory above `d` inside one filesystem (rename's ancestry test never leaves a mount). */
  private parentForTrap(d: Node): Node | null {
    return d === d.mount.root ? null : d.parent;
  }
}

/** A query whose answer the model does not give (see World.pinned); the generator draws another. */
export class Unmodelled extends Error {}

export interface Query {
  op: 'S' | 'O' | 'C' | 'M' | 'R' | 'K';
  base: Node; path: string;
  nofollow?: boolean; directory?: boolean;
  base2?: Node; path2?: string; follow?: boolean;
}

export class Rng {
  constructor(readonly rnd: () => number) {}
  int(n: number): number { return Math.floor(this.rnd() * n); }
  pick<T>(a: readonly T[]): T { return a[this.int(a.length)]; }
  chance(p: number): boolean { return this.rnd() < p; }
}

/** The host and guest paths of the maze's fixed parts. */
export interface Places { base: string; drv: string; m: string; vol: string }

/** A generated maze: its spec for pathmaze.c (with queries) and the model's expected answers. */
export interface Maze { spec: string; expected: string[]; guestOnly: boolean[]; queries: number }

/**
 * Builds a random maze and its queries. `world` ends in the state the queries leave behind. The
 * spec builds the maze with absolute paths, so native and wasl run it from the same text.
 */
export function generate(r: Rng, at: Places, nQueries: number): Maze {
  const w = new World();
  const lines: string[] = ['u'];
  // The chain from / to B and B's parent (where the volfs part lives): outside directories.
  const chain = at.base.split('/').filter(Boolean);
  let cur = w.root;
  const fixed: Node[] = [w.root];
  for (const [i, name] of chain.entries()) {
    const mode = i === chain.length - 2 && name === 'tmp' ? 0o1777 : 0o755;
    cur = w.add(cur, name, 'd', mode, '', true, i === chain.length - 1 ? 'B' : `up${i}`);
    fixed.push(cur);
  }
  const B = cur, tmp = B.parent!;
  const drvPoint = w.add(B, 'drv', 'd', 0o755, '', true, 'drvpoint');
  const drv = w.mountOn(drvPoint, 'drvfs', 'drv');
  const mPoint = w.add(drv, 'm', 'd', 0o777, '', false, 'mpoint');
  const m = w.mountOn(mPoint, 'drvfs2', 'm');
  drv.rootOwned = m.rootOwned = true;
  const vol = w.add(tmp, at.vol.split('/').pop()!, 'd', 0o777, '', false, 'vol');
  fixed.push(drv, m, vol);
  lines.push(`d\t${at.vol}`);

  // The maze: directories first (parents before children), then files and symlinks.
  const dirs: Node[] = [drv, m, vol];
  const made: Node[] = [];
  let nameNo = 0;
  const fresh = (p: string) => `${p}${nameNo++}`;
  const nDirs = 6 + r.int(14);
  for (let i = 0; i < nDirs; i++) {
    const parent = r.pick(dirs);
    const d = w.add(parent, fresh('d'), 'd', 0o777);
    dirs.push(d); made.push(d);
    lines.push(`d\t${w.pathOf(d)}`);
  }
  const nFiles = 3 + r.int(8);
  for (let i = 0; i < nFiles; i++) {
    const parent = r.pick(dirs);
    const f = w.add(parent, fresh('f'), 'f', r.chance(0.2) ? 0 : 0o644);
    made.push(f);
    lines.push(`f\t${w.pathOf(parent)}/${[...parent.children].find(([, c]) => c === f)![0]}`);
  }
  // Symlinks: relative and absolute paths to maze nodes and to places above it, dangling names,
  // loops (a link to itself, pairs pointing at each other), chains, trailing slashes.
  const targets = (from: Node): string => {
    const to = r.pick([...made, ...fixed, ...dirs]);
    switch (r.int(9)) {
      case 0: case 1: return pathTo(w, to, null);                         // absolute
      case 2: case 3: case 4: return pathTo(w, to, from);                 // relative
      case 5: return `${pathTo(w, to, r.chance(0.5) ? from : null)}/`;    // trailing slash
      case 6: return r.pick(['.', '..', '../..', '/', 'nowhere', '../nowhere/x', `${at.base}/secret`, '../../secret', '../../../secret']);
      case 7: return randomPath(r, w, from, 1 + r.int(4)).replace(/^$/, '.');
      default: return '';                                                 // filled in below: loops
    }
  };
  const nLinks = 5 + r.int(14);
  const links: Array<{ parent: Node; name: string; node?: Node; target: string }> = [];
  for (let i = 0; i < nLinks; i++) links.push({ parent: r.pick(dirs), name: fresh('l'), target: '' });
  for (const [i, l] of links.entries()) {
    let t = targets(l.parent);
    if (t === '') {
      const other = links[r.int(links.length)];
      // A link to itself, to another link (cycles arise), or a long chain through others.
      t = other === l ? l.name : `${pathTo(w, other.parent, l.parent)}/${other.name}`;
      if (i > 0 && r.chance(0.3)) t = `${pathTo(w, links[i - 1].parent, null)}/${links[i - 1].name}`;
    }
    l.target = t;
  }
  for (const l of links) {
    l.node = w.add(l.parent, l.name, 'l', 0o777, l.target);
    made.push(l.node);
    lines.push(`l\t${w.pathOf(l.parent)}/${l.name}\t${l.target}`);
  }
  for (const n of [...fixed, ...made]) lines.push(`t\t${n.label}\t${pathFromRoot(w, n)}`);
  // Base directories for *at() calls (opened before permissions are taken away).
  const bases = [drv, m, vol, B, ...dirs.slice(3)];
  for (const b of bases) { lines.push(`b\t${w.pathOf(b)}`); w.pinned.add(b); }
  // Permissions last, deepest first (a directory's mode cannot stop its own children's chmod).
  for (const d of [...made].reverse()) {
    if (d.kind === 'd' && r.chance(0.3)) {
      d.mode = r.pick([0o555, 0o666, 0o000, 0o555]);
      lines.push(`c\t${w.pathOf(d)}\t${d.mode.toString(8)}`);
    } else if (d.kind === 'f' && d.mode === 0) {
      lines.push(`c\t${pathFromRoot(w, d)}\t0`);
    }
  }

  // Queries: paths from random walks with mistakes, checked against the model as they go.
  const expected: string[] = [], guestOnly: boolean[] = [];
  let fresher = 0;
  for (let n = 0; n < nQueries;) {
    const pickBase = () => r.pick(bases);
    const path = (b: Node) => {
      if (r.chance(0.02)) return './'.repeat(2048 + r.int(2)) + 'x';               // PATH_MAX
      const p = r.chance(0.35) ? pathTo(w, r.pick([...w.all]), null) : randomPath(r, w, b, 1 + r.int(6));
      const q = p.length ? p : '.';
      return r.chance(0.15) ? `${q}/` : r.chance(0.05) ? q.replace('/', '//') : q;
    };
    const name = () => r.chance(0.03) ? 'x'.repeat(256) : `r${fresher++}`;
    const noTrail = (p: string) => p.replace(/\/+$/, '') || '.';
    let q: Query;
    const b = pickBase();
    switch (r.int(10)) {
      case 0: case 1: case 2: q = { op: 'S', base: b, path: path(b), nofollow: r.chance(0.4) }; break;
      case 3: case 4: case 5: q = { op: 'O', base: b, path: path(b), nofollow: r.chance(0.3), directory: r.chance(0.3) }; break;
      case 6: {
        const cb = r.pick(bases.filter((x) => x.mode & 0o100 || x.outside));
        q = { op: 'C', base: cb, path: path(cb) };
        break;
      }
      case 7: q = { op: 'M', base: b, path: r.chance(0.3) ? path(b) : `${noTrail(path(b))}/${name()}${r.chance(0.2) ? '/' : ''}` }; break;
      case 8: {
        const b2 = pickBase();
        q = { op: 'R', base: b, path: noTrail(path(b)), base2: b2, path2: `${noTrail(path(b2))}/${name()}` };
        break;
      }
      default: {
        const b2 = pickBase();
        q = { op: 'K', base: b, path: noTrail(path(b)), base2: b2, path2: `${noTrail(path(b2))}/${name()}`, follow: r.chance(0.5) };
      }
    }
    let a;
    try { a = w.answer(q, n); } catch (e) { if (e instanceof Unmodelled) continue; throw e; }
    expected.push(a.out);
    guestOnly.push(a.guestOnly);
    const idx = (x: Node) => bases.indexOf(x);
    const fields = q.op === 'S' ? [idx(q.base), q.nofollow ? 1 : 0, q.path]
      : q.op === 'O' ? [idx(q.base), `${q.nofollow ? 'n' : ''}${q.directory ? 'd' : ''}-`, q.path]
        : q.op === 'C' || q.op === 'M' ? [idx(q.base), q.path]
          : q.op === 'R' ? [idx(q.base), q.path, idx(q.base2!), q.path2!]
            : [idx(q.base), q.path, idx(q.base2!), q.path2!, q.follow ? 1 : 0];
    lines.push(['q', n, a.guestOnly ? 1 : 0, q.op, ...fields].join('\t'));
    n++;
  }
  return { spec: lines.join('\n') + '\n', expected, guestOnly, queries: nQueries };
}

/** An absolute path of a node without symlinks (through its current parents). */
function pathFromRoot(w: World, n: Node): string {
  if (n.kind === 'd') return w.pathOf(n);
  const p = n.parent!;
  const name = [...p.children].find(([, c]) => c === n)?.[0];
  return `${w.pathOf(p)}/${name}`;
}

/** A path to `to`: absolute, or relative from directory `from` through a common ancestor. */
function pathTo(w: World, to: Node, from: Node | null): string {
  const abs = pathFromRoot(w, to);
  if (!from) return abs;
  const a = w.pathOf(from).split('/').filter(Boolean), b = abs.split('/').filter(Boolean);
  let k = 0;
  while (k < a.length && k < b.length && a[k] === b[k]) k++;
  return [...Array(a.length - k).fill('..'), ...b.slice(k)].join('/') || '.';
}

/** A random walk of names from directory `from`: real names mostly, with "..", ".", and mistakes. */
function randomPath(r: Rng, w: World, from: Node, steps: number): string {
  const out: string[] = [];
  let cur: Node | null = from;
  for (let i = 0; i < steps; i++) {
    const names: string[] = cur && cur.kind === 'd' ? [...cur.children.keys()] : [];
    const roll = r.int(20);
    let name: string;
    if (roll < 12 && names.length) name = r.pick(names);
    else if (roll < 15) name = '..';
    else if (roll < 16) name = '.';
    else if (roll < 17) name = 'x'.repeat(256);
    else name = r.pick(['nowhere', 'secret', 'drv', 'm', ...names]);
    out.push(name);
    if (name === '..') cur = cur && cur !== w.root ? (cur.mount.point && cur === cur.mount.root ? cur.mount.point.parent : cur.parent) : cur;
    else if (name !== '.') {
      let c: Node | null = cur?.children.get(name) ?? null;
      while (c?.mountedBy) c = c.mountedBy.root;
      cur = c && c.kind === 'd' ? c : null;
    }
  }
  return out.join('/');
}
