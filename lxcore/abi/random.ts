// getrandom(2) flags (linux/random.h).
import { nameTable } from './xlat.js';

export const GRND_NONBLOCK = 0x1, GRND_RANDOM = 0x2, GRND_INSECURE = 0x4;
export const grndFlagNames = nameTable({ GRND_NONBLOCK, GRND_RANDOM, GRND_INSECURE });
