// Lazy arithmetic flags. ALU instructions record (kind, size, dst, src, result) instead of
// computing six flag bits; a flag is derived only when something reads it (Jcc, SETcc, ADC,
// PUSHF, a signal frame). Instructions outside the recorded kinds set flags eagerly with
// setStatusFlags() after materializing. SDM vol. 1 §3.4.3 and Appendix A define each flag.
//
//   LAZY_OP = kind | size << 8      size in bytes (1, 2, 4, 8); kind 0 = nothing pending

import {
  STATE, RFLAGS, LAZY_OP, LAZY_DST, LAZY_SRC, LAZY_RES, CF, PF, AF, ZF, SF, OF, STATUS_FLAGS,
} from '../shared/layout';

export const FL_NONE = 0;
export const FL_ADD = 1;
export const FL_ADC = 2;   // add with carry-in 1 (carry-in 0 is recorded as FL_ADD)
export const FL_SUB = 3;
export const FL_SBB = 4;   // subtract with borrow-in 1
export const FL_LOGIC = 5; // and/or/xor/test: CF = OF = 0, AF = 0 (as Intel hardware leaves it)
export const FL_INC = 6;   // like ADD with src 1, but CF is kept in RFLAGS
export const FL_DEC = 7;   // like SUB with src 1, CF kept

@inline export function sizeMask(size: i32): u64 {
  return size == 8 ? <u64>-1 : ((<u64>1 << (<u64>size << 3)) - 1);
}
@inline export function signBit(size: i32): u64 { return <u64>1 << ((<u64>size << 3) - 1); }

@inline export function setLazy(kind: i32, size: i32, dst: u64, src: u64, res: u64): void {
  store<i32>(STATE + LAZY_OP, kind | (size << 8));
  store<u64>(STATE + LAZY_DST, dst);
  store<u64>(STATE + LAZY_SRC, src);
  store<u64>(STATE + LAZY_RES, res);
}

@inline function lazyKind(): i32 { return load<i32>(STATE + LAZY_OP) & 0xff; }
@inline function lazySize(): i32 { return load<i32>(STATE + LAZY_OP) >> 8; }

export function getCF(): bool {
  const kind = lazyKind();
  if (kind == FL_NONE || kind == FL_INC || kind == FL_DEC) return (load<u64>(STATE + RFLAGS) & CF) != 0;
  const m = sizeMask(lazySize());
  const d = load<u64>(STATE + LAZY_DST) & m;
  const s = load<u64>(STATE + LAZY_SRC) & m;
  const r = load<u64>(STATE + LAZY_RES) & m;
  switch (kind) {
    case FL_ADD: return r < d;
    case FL_ADC: return r <= d;
    case FL_SUB: return d < s;
    case FL_SBB: return d <= s;
    default: return false;
  }
}

export function getZF(): bool {
  if (lazyKind() == FL_NONE) return (load<u64>(STATE + RFLAGS) & ZF) != 0;
  return (load<u64>(STATE + LAZY_RES) & sizeMask(lazySize())) == 0;
}

export function getSF(): bool {
  if (lazyKind() == FL_NONE) return (load<u64>(STATE + RFLAGS) & SF) != 0;
  return (load<u64>(STATE + LAZY_RES) & signBit(lazySize())) != 0;
}

export function getOF(): bool {
  const kind = lazyKind();
  if (kind == FL_NONE) return (load<u64>(STATE + RFLAGS) & OF) != 0;
  const sb = signBit(lazySize());
  const d = load<u64>(STATE + LAZY_DST);
  const s = load<u64>(STATE + LAZY_SRC);
  const r = load<u64>(STATE + LAZY_RES);
  switch (kind) {
    case FL_ADD: case FL_ADC: case FL_INC: return ((d ^ r) & (s ^ r) & sb) != 0;
    case FL_SUB: case FL_SBB: case FL_DEC: return ((d ^ s) & (d ^ r) & sb) != 0;
    default: return false;
  }
}

export function getPF(): bool {
  if (lazyKind() == FL_NONE) return (load<u64>(STATE + RFLAGS) & PF) != 0;
  return (popcnt<u32>(<u32>load<u64>(STATE + LAZY_RES) & 0xff) & 1) == 0;
}

export function getAF(): bool {
  const kind = lazyKind();
  if (kind == FL_NONE) return (load<u64>(STATE + RFLAGS) & AF) != 0;
  if (kind == FL_LOGIC) return false;
  return ((load<u64>(STATE + LAZY_DST) ^ load<u64>(STATE + LAZY_SRC) ^ load<u64>(STATE + LAZY_RES)) & 0x10) != 0;
}

/** Computes every pending flag into RFLAGS and clears the lazy record; returns RFLAGS. */
export function materializeFlags(): u64 {
  let f = load<u64>(STATE + RFLAGS);
  if (lazyKind() != FL_NONE) {
    f &= ~<u64>STATUS_FLAGS;
    if (getCF()) f |= CF;
    if (getPF()) f |= PF;
    if (getAF()) f |= AF;
    if (getZF()) f |= ZF;
    if (getSF()) f |= SF;
    if (getOF()) f |= OF;
    store<u64>(STATE + RFLAGS, f);
    store<i32>(STATE + LAZY_OP, FL_NONE);
  }
  return f;
}

/** Replaces the bits of `mask` in RFLAGS with those of `bits` (after materializing). */
export function setStatusFlags(mask: u64, bits: u64): void {
  const f = materializeFlags();
  store<u64>(STATE + RFLAGS, (f & ~mask) | (bits & mask));
}

/**
 * Before INC/DEC's record replaces the pending one: CF, the only flag they keep, goes into
 * RFLAGS, where getCF() finds it under an INC/DEC record. The other status bits of RFLAGS are
 * not read while a record is pending (materializeFlags rebuilds them all), so computing them
 * here, as materializeFlags() would, is wasted work.
 */
export function parkCF(): void {
  const kind = lazyKind();
  if (kind == FL_NONE || kind == FL_INC || kind == FL_DEC) return; // CF is in RFLAGS already
  const f = load<u64>(STATE + RFLAGS);
  store<u64>(STATE + RFLAGS, getCF() ? f | CF : f & ~<u64>CF);
}

/** Sets CF alone (INC/DEC keep CF; BT/shifts set it). */
export function setCF(v: bool): void {
  const f = materializeFlags();
  store<u64>(STATE + RFLAGS, v ? f | CF : f & ~<u64>CF);
}

/** ZF, SF, PF from a result of `size` bytes: the flags most eager instructions share. */
export function szpBits(res: u64, size: i32): u64 {
  let f: u64 = 0;
  if ((res & sizeMask(size)) == 0) f |= ZF;
  if (res & signBit(size)) f |= SF;
  if ((popcnt<u32>(<u32>res & 0xff) & 1) == 0) f |= PF;
  return f;
}

/**
 * Evaluates condition code `cc` (the low nibble of Jcc/SETcc/CMOVcc). A pending CMP/SUB or
 * logic operation is answered straight from its operands, without deriving each flag.
 */
export function cond(cc: i32): bool {
  const op = load<i32>(STATE + LAZY_OP);
  const kind = op & 0xff;
  if (kind == FL_SUB || kind == FL_LOGIC) {
    const size = op >> 8;
    const m = sizeMask(size);
    const r = load<u64>(STATE + LAZY_RES) & m;
    if (kind == FL_SUB) {
      const d = load<u64>(STATE + LAZY_DST) & m;
      const s = load<u64>(STATE + LAZY_SRC) & m;
      const shift = <u64>(64 - (size << 3));
      const sd = <i64>(d << shift) >> shift;
      const ss = <i64>(s << shift) >> shift;
      switch (cc) {
        case 0x2: return d < s;
        case 0x3: return d >= s;
        case 0x4: return d == s;
        case 0x5: return d != s;
        case 0x6: return d <= s;
        case 0x7: return d > s;
        case 0xc: return sd < ss;
        case 0xd: return sd >= ss;
        case 0xe: return sd <= ss;
        case 0xf: return sd > ss;
      }
    } else {
      const sr = (r & signBit(size)) != 0;
      switch (cc) {
        case 0x0: return false;
        case 0x1: return true;
        case 0x2: return false;
        case 0x3: return true;
        case 0x4: return r == 0;
        case 0x5: return r != 0;
        case 0x6: return r == 0;
        case 0x7: return r != 0;
        case 0x8: return sr;
        case 0x9: return !sr;
        case 0xc: return sr;
        case 0xd: return !sr;
        case 0xe: return r == 0 || sr;
        case 0xf: return r != 0 && !sr;
      }
    }
  }
  let v: bool;
  switch (cc >> 1) {
    case 0: v = getOF(); break;
    case 1: v = getCF(); break;
    case 2: v = getZF(); break;
    case 3: v = getCF() || getZF(); break;
    case 4: v = getSF(); break;
    case 5: v = getPF(); break;
    case 6: v = getSF() != getOF(); break;
    default: v = getZF() || (getSF() != getOF()); break;
  }
  return (cc & 1) ? !v : v;
}

/**
 * Replaces all six status flags at once (shifts, MUL, BSF …): nothing lazily owed survives, so
 * there is no need to materialize first. INC/DEC's parked CF is overwritten too.
 */
export function setAllStatusFlags(bits: u64): void {
  store<u64>(STATE + RFLAGS, (load<u64>(STATE + RFLAGS) & ~<u64>STATUS_FLAGS) | (bits & <u64>STATUS_FLAGS));
  store<i32>(STATE + LAZY_OP, FL_NONE);
}
