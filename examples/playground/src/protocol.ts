// Messages between the page and the kernel's Worker.

export type ToWorker =
  | { type: 'init'; base: string; cols: number; rows: number; stats?: SharedArrayBuffer }
  | { type: 'input'; data: Uint8Array }
  | { type: 'resize'; cols: number; rows: number }
  | { type: 'upload'; name: string; data: Uint8Array }
  | { type: 'download'; path: string }
  | { type: 'reset' }
  | { type: 'flush' };

export type ToPage =
  | { type: 'output'; data: Uint8Array }
  | { type: 'booted'; fresh: boolean; ms: number }
  | { type: 'stats'; insns: number; syscalls: number; saves: number }
  | { type: 'file'; path: string; data?: Uint8Array; error?: string }
  | { type: 'uploaded'; path: string; error?: string }
  | { type: 'reset-done' }
  | { type: 'flushed' }
  | { type: 'log'; line: string };

/**
 * With cross-origin isolation the Worker publishes its counters in a SharedArrayBuffer the page
 * reads on its own clock (Float64: instructions, syscalls, saves); without it, a message a second.
 */
export const STAT_INSNS = 0, STAT_SYSCALLS = 1, STAT_SAVES = 2, STAT_SLOTS = 3;
