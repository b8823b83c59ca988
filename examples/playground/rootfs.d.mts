// Types of rootfs.mjs (a plain module so that it runs in Node without a build).
import type { Plugin } from 'vite';
export function buildRootfs(): Buffer;
export function rootfsPlugin(): Plugin;
