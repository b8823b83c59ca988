// node:events for the Worker: the EventEmitter memfs's classes extend (watchers, streams).

type Listener = (...args: unknown[]) => void;

export class EventEmitter {
  private handlers = new Map<string | symbol, Listener[]>();
  on(e: string | symbol, f: Listener): this { this.handlers.set(e, [...(this.handlers.get(e) ?? []), f]); return this; }
  addListener(e: string | symbol, f: Listener): this { return this.on(e, f); }
  prependListener(e: string | symbol, f: Listener): this { this.handlers.set(e, [f, ...(this.handlers.get(e) ?? [])]); return this; }
  once(e: string | symbol, f: Listener): this { const w: Listener = (...a) => { this.off(e, w); f(...a); }; return this.on(e, w); }
  off(e: string | symbol, f: Listener): this { this.handlers.set(e, (this.handlers.get(e) ?? []).filter((x) => x !== f)); return this; }
  removeListener(e: string | symbol, f: Listener): this { return this.off(e, f); }
  removeAllListeners(e?: string | symbol): this { if (e === undefined) this.handlers.clear(); else this.handlers.delete(e); return this; }
  emit(e: string | symbol, ...a: unknown[]): boolean { const l = this.handlers.get(e); l?.slice().forEach((f) => f.apply(this, a)); return !!l?.length; }
  listeners(e: string | symbol): Listener[] { return [...(this.handlers.get(e) ?? [])]; }
  listenerCount(e: string | symbol): number { return this.handlers.get(e)?.length ?? 0; }
  setMaxListeners(): this { return this; }
}
export default EventEmitter;
