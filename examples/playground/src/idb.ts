// The volfs snapshot in IndexedDB: object store "meta" holds the metadata (key "state"), "files"
// holds each regular file's bytes by inode number. A save is one transaction (all or nothing).

import type { Snapshot, SnapshotBatch } from '../../../volfs/snapshotstore.js';
import type { StoredState } from '../../../volfs/store.js';

const DB = 'wasl-playground';

function req<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((res, rej) => { r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error); });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((res, rej) => { tx.oncomplete = () => res(); tx.onerror = tx.onabort = () => rej(tx.error); });
}

export function openDb(): Promise<IDBDatabase> {
  const r = indexedDB.open(DB, 1);
  r.onupgradeneeded = () => { r.result.createObjectStore('meta'); r.result.createObjectStore('files'); };
  return req(r);
}

export async function loadSnapshot(db: IDBDatabase): Promise<Snapshot | null> {
  const tx = db.transaction(['meta', 'files'], 'readonly');
  const state = await req(tx.objectStore('meta').get('state')) as StoredState | undefined;
  if (!state) return null;
  const keys = await req(tx.objectStore('files').getAllKeys()) as number[];
  const values = await req(tx.objectStore('files').getAll()) as Uint8Array[];
  return { state, files: new Map(keys.map((k, i) => [k, values[i]])) };
}

export async function saveBatch(db: IDBDatabase, b: SnapshotBatch): Promise<void> {
  const tx = db.transaction(['meta', 'files'], 'readwrite');
  const files = tx.objectStore('files');
  for (const ino of b.freed) files.delete(ino);
  for (const [ino, bytes] of b.files) files.put(bytes, ino);
  tx.objectStore('meta').put(b.state, 'state');
  await done(tx);
}

export async function clearDb(db: IDBDatabase): Promise<void> {
  const tx = db.transaction(['meta', 'files'], 'readwrite');
  tx.objectStore('meta').clear();
  tx.objectStore('files').clear();
  await done(tx);
}
