// tmpfs (Documentation/filesystems/tmpfs.rst) for an instance's /run, /tmp and /dev/shm: volfs's
// in-memory store under tmpfs's name and magic number, sized as tmpfs's default (half of RAM).

import { os } from '../host.js';
import { Volfs } from '../../volfs/volfs.js';
import type { FsStats } from '../vfs/api.js';

const TMPFS_MAGIC = 0x01021994;

export class Tmpfs extends Volfs {
  override readonly type: string = 'tmpfs';

  /** `mode`: the root directory's permission bits (tmpfs's mode= option). */
  constructor(mode: number) {
    super({ capacity: Math.floor(os.totalmem() / 2), rootUid: 0, rootGid: 0 });
    this.root().setattr({ mode });
  }

  override statfs(): FsStats {
    return { ...super.statfs(), type: TMPFS_MAGIC };
  }
}
