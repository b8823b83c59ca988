// Per-opcode decode attributes, one byte per (map, opcode) in cpu/gen/dispatch.ts's
// DECODE_INFO, produced by tools/gen-dispatch.mjs from the opcode table (cpu/opcodes/*.tbl).
// The generator reads these constants from this file by name; keep them plain literals.
//
//   bit   7     6     5     4       3..1          0
//       | F64 | D64 | -  | MOFFS | IMM kind    | MODRM |

export const DI_MODRM = 1;
export const DI_IMM_SHIFT = 1;
export const DI_MOFFS = 16; // A0-A3: an absolute address follows the opcode (8 bytes; 4 with 67)
export const DI_D64 = 64;   // default operand size 64 in long mode (push, pop, …): 66 gives 16
export const DI_F64 = 128;  // operand size forced to 64 (near branches; Intel ignores 66 there)

// Immediate kinds (bits 3..1)
export const IMM_NONE = 0;
export const IMM_B = 1;     // 8 bits, sign-extended
export const IMM_W = 2;     // 16 bits, zero-extended
export const IMM_Z = 3;     // 16 bits with operand size 16, else 32 sign-extended
export const IMM_V = 4;     // operand-size wide: 16, 32 or 64 bits (mov r, imm)
export const IMM_D = 5;     // 32 bits sign-extended (rel32 branches)
export const IMM_WB = 6;    // 16 bits then 8 bits (enter)
export const IMM_G3 = 7;    // group 3 (F6/F7): IMM_B/IMM_Z for /0 and /1 only, by the opcode's width
