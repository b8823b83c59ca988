// The fixed layout of wasm linear memory and of the CPU state block, declared once.
// Compiled by both asc (cpu/) and tsc (lxcore/): only untyped integer constants may live here,
// each defined from the one before it, so nothing is hand-numbered twice.
//
// Linear memory (wasm32):
//   0x0000_0000  unused: address 0 is never a frame, so a zero page-table entry means "absent"
//   0x0000_1000  STATE       the running thread's CPU state (lxcore swaps threads in and out)
//   0x0000_1400  FASTSYS     what the in-core syscall shortcut answers (pids, credentials, clock)
//   0x0000_2000  SCRATCH     fetch buffer for page-crossing instructions, bounce buffers
//   0x0001_0000  TLB         TLB_ENTRIES entries of TLB_ENTRY_SIZE bytes
//   0x0004_0000  asc static data (asconfig memoryBase); the core allocates nothing after start
//   0x000b_ff00  DCACHE      decoded-instruction cache (cpu/decode/decoder.ts): length masks,
//                            then DCACHE_ENTRIES entries of DCACHE_ENTRY_SIZE bytes
//   0x0010_0000  RUNS        the interpreter's validated runs of fast forms (cpu/decode/runs.ts)
//   0x0020_0000  FRAMES      guest page frames and page-table nodes, handed out by lxcore/mm

export const STATE = 0x1000;
export const STATE_SIZE = 0x400;
// FASTSYS: between STATE and SCRATCH, the values the in-core syscall shortcut answers from
// (cpu/ops/fastsys.ts), written by lxcore (lxcore/kernel/fastsys.ts); not part of a thread's state.
export const FASTSYS = STATE + STATE_SIZE;
export const FS_ENABLE = 0;        // i32: FSE_* bits; 0 = every syscall exits to lxcore
export const FS_PID = 4;           // i32 each: the task on the core's ids, as getpid() etc. return them
export const FS_TID = 8;
export const FS_PPID = 12;
export const FS_UID = 16;
export const FS_EUID = 20;
export const FS_GID = 24;
export const FS_EGID = 28;
export const FS_REAL_OFFSET = 32;  // i64: CLOCK_REALTIME − host monotonic clock (hostNanos), in ns
export const FS_COUNT = 40;        // u64: syscalls answered in the core (never seen by lxcore)
export const FS_VDSO = 48;         // u64: the end of the vDSO's first fast entry (elf-loader/vdso.ts); 0 = none
export const FS_VDSO_STRIDE = 64;  // the fast entries' spacing, and how many there are (vdso.ts's
export const FS_VDSO_COUNT = 3;    // VDSO_FAST_STRIDE and VDSO_FAST_COUNT)
export const FS_CLOCK_OUT = 56;    // u64: where the host's clock_time_get import writes the time it reads
export const FS_CLOCK_WASI = 64;   // i32: the table slot of node:wasi's clock_time_get (lxcore/kernel/fastsys.ts), 0 = hostNanos
export const FSE_CLOCK = 1;        // clock_gettime (the vDSO's clocks), gettimeofday, time
export const FSE_IDS = 2;          // getpid, gettid, getppid, get[e]uid, get[e]gid
export const SCRATCH = 0x2000;
export const TLB = 0x10000;
export const TLB_ENTRY_SIZE = 32;
export const TLB_BITS = 12;
export const TLB_ENTRIES = 1 << TLB_BITS;
// The TLB's index is (vpn ^ vpn >> TLB_FOLD) & (TLB_ENTRIES - 1) (cpu/mmu/tlb.ts tlbEntry; the
// compiled blocks' copies in cpu/jit/host/compiler.ts): 4, not TLB_BITS, so the stack's top pages and
// the mmap area's top pages (128 MiB apart) fall 2048 entries apart instead of 8.
export const TLB_FOLD = 4;
export const TLB_END = TLB + TLB_ENTRIES * TLB_ENTRY_SIZE;
// Decoded-instruction cache: 16 masks of 16 bytes (DCACHE_MASKS, mask for length n keeps the
// first n bytes), then the direct-mapped entries. Must end at or below FRAMES; the core checks
// at start that asc's static data ends below DCACHE.
export const DCACHE = 0xbff00;
export const DCACHE_MASKS = DCACHE;
export const DCACHE_TABLE = DCACHE_MASKS + 0x100;
export const DCACHE_ENTRY_SIZE = 64;
export const DCACHE_BITS = 12;
export const DCACHE_ENTRIES = 1 << DCACHE_BITS;
export const DCACHE_END = DCACHE_TABLE + DCACHE_ENTRIES * DCACHE_ENTRY_SIZE;

// ---- Decoded-instruction cache entry (cpu/decode/decoder.ts; also the compiler tier's records) --
export const CE_BYTES = 0;     // v128: instruction bytes, zero past its length
export const CE_RIP = 16;      // u64 tag; -1 = empty
export const CE_DISP = 24;     // u64
export const CE_IMM = 32;      // u64
export const CE_OP = 40;       // u16
export const CE_LEN = 42;      // u8
export const CE_PREFIX = 43;
export const CE_SIMD = 44;
export const CE_REX = 45;
export const CE_OPSIZE = 46;
export const CE_MODRM = 47;
export const CE_MOD = 48;
export const CE_REG = 49;
export const CE_RM = 50;
export const CE_BASE = 51;
export const CE_INDEX = 52;
export const CE_SCALE = 53;
export const CE_FLAGS = 54;
export const CE_IMM2 = 55;
export const CE_FAST = 56;     // u8: FK_* (0 = through dispatch())
export const CE_FA = 57;       // u8: fast form's first register (the destination)
export const CE_FB = 58;       // u8: fast form's second register, or its ALU operation
export const CE_DEADF = 59;    // u8: 1 when a run's liveness scan found its flags overwritten unread
export const CE_FSIZE = 60;    // u8: fast form's operand size (1, 2, 4, 8); CE_OPSIZE stays decode's
export const CE_RUNH = 61;     // u8: in a run's copy only, its specialised handler (cpu/decode/runs.ts H_*)
// CE_FLAGS bits
export const CF_MODRM = 1;
export const CF_IMM = 2;
export const CF_IMM2 = 4;
export const CF_RIPREL = 8;

// ---- Runs of fast forms (cpu/decode/runs.ts): a two-way table (RUN_ENTRIES / 2 sets of two
// records, decoder.ts runSlot) keyed by the guest rip of the run's first instruction. A record:
// the tag (u64, -1 = empty), instructions (u8; 0 = "retry later", 255 = "no run starts here"),
// code bytes covered (u8), the code snapshot (RUN_MAX_BYTES, zero past the end), then up to
// RUN_MAX_OPS compact copies of the instructions' decoded-instruction cache entries: bytes
// CE_DISP.. of each (RUN_OP_SIZE), without the code bytes and the tag, which the snapshot
// replaces. Op j's entry base (what CE_* offsets are added to) is rn + RN_OPS + j * RUN_OP_SIZE;
// its first CE_DISP bytes overlap what precedes it and are never read.
export const RUNS = 0x100000;
export const RUN_SIZE = 512;
export const RUN_BITS = 11;
export const RUN_ENTRIES = 1 << RUN_BITS;
export const RUNS_END = RUNS + RUN_ENTRIES * RUN_SIZE;
export const RN_RIP = 0;      // u64 tag
export const RN_N = 8;        // u8 instructions
export const RN_BYTES = 9;    // u8 code bytes
export const RN_CODE = 16;    // RUN_MAX_BYTES bytes of code
export const RUN_MAX_BYTES = 80;
export const RUN_OP_SIZE = DCACHE_ENTRY_SIZE - CE_DISP; // 40
export const RN_OPS = RN_CODE + RUN_MAX_BYTES - CE_DISP; // op 0's entry base; its bytes start at 96
export const RUN_MAX_OPS = 10; // 96 + 10 * 40 = 496 <= RUN_SIZE
// Guest frames start at the end of the initial 2 MiB of memory (lxcore/kernel/core.ts).
export const FRAMES = RUNS_END;
export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;

// ---- CPU state block (offsets from STATE) -------------------------------------------------
// General-purpose registers in encoding order: the ModRM/REX register number times 8.
export const RAX = 0;
export const RCX = RAX + 8;
export const RDX = RCX + 8;
export const RBX = RDX + 8;
export const RSP = RBX + 8;
export const RBP = RSP + 8;
export const RSI = RBP + 8;
export const RDI = RSI + 8;
export const R8 = RDI + 8;
export const R9 = R8 + 8;
export const R10 = R9 + 8;
export const R11 = R10 + 8;
export const R12 = R11 + 8;
export const R13 = R12 + 8;
export const R14 = R13 + 8;
export const R15 = R14 + 8;
export const RIP = R15 + 8;
// RFLAGS holds every flag bit except those the lazy-flags record below still owes (see
// cpu/ops/flags.ts): read flags through the core, never this word directly.
export const RFLAGS = RIP + 8;
export const FS_BASE = RFLAGS + 8;
export const GS_BASE = FS_BASE + 8;
// Lazy flags: the last flag-setting ALU operation, from which CF/PF/AF/ZF/SF/OF are derived.
export const LAZY_OP = GS_BASE + 8;         // i32: FLAGS_* kind | size << 8 (0 = none pending)
export const LAZY_PAD = LAZY_OP + 4;
export const LAZY_DST = LAZY_PAD + 4;       // u64 first operand
export const LAZY_SRC = LAZY_DST + 8;       // u64 second operand
export const LAZY_RES = LAZY_SRC + 8;       // u64 result
// Page-table root of the running address space (linear-memory address of the top node).
export const PT_ROOT = LAZY_RES + 8;        // i32
export const EXIT_REASON = PT_ROOT + 4;     // i32: why run() returned (cpu/shared/exit.ts)
export const FAULT_ADDR = EXIT_REASON + 4;  // u64: faulting guest address (page fault)
export const FAULT_CODE = FAULT_ADDR + 8;   // i32: FAULT_* bits for a page fault, vector else
export const MXCSR = FAULT_CODE + 4;        // i32
export const INSN_COUNT = MXCSR + 4;        // u64: instructions retired since the core started
export const FAULT_RIP = INSN_COUNT + 8;    // u64: rip of the faulting instruction
export const CPU_FLAGS = FAULT_RIP + 8;     // i32: CPUF_* bits (single-step …)
export const CPU_PAD = CPU_FLAGS + 4;
// SSE registers xmm0..xmm15, 16 bytes each, 16-aligned.
export const XMM0 = 0x100;
export const XMM_END = XMM0 + 16 * 16;
// x87: eight 80-bit registers in 16-byte slots (physical order), then control/status/tag.
export const ST0 = XMM_END;
export const FPU_CW = ST0 + 8 * 16;         // i32 (16 bits used)
export const FPU_SW = FPU_CW + 4;           // i32
export const FPU_TW = FPU_SW + 4;           // i32: abridged tag (bit per register, 1 = valid)
export const FPU_TOP = FPU_TW + 4;          // i32
export const FPU_FOP = FPU_TOP + 4;
export const FPU_PAD = FPU_FOP + 4;
export const FPU_IP = FPU_PAD + 4;          // u64
export const FPU_DP = FPU_IP + 8;           // u64
export const STATE_USED = FPU_DP + 8;       // must stay <= STATE_SIZE

// ---- RFLAGS bits (SDM vol. 1 §3.4.3) -------------------------------------------------------
export const CF = 0x1;
export const PF = 0x4;
export const AF = 0x10;
export const ZF = 0x40;
export const SF = 0x80;
export const TF = 0x100;
export const IF = 0x200;
export const DF = 0x400;
export const OF = 0x800;
export const AC = 0x40000;
export const ID = 0x200000;
export const STATUS_FLAGS = CF | PF | AF | ZF | SF | OF;

// ---- Page-table entries --------------------------------------------------------------------
// Three levels of 4096 4-byte entries (16 KiB nodes) cover the 36-bit virtual page number of a
// 48-bit address. A leaf entry is the frame's linear-memory address | PTE_* bits; 0 = absent.
export const PT_LEVEL_BITS = 12;
export const PT_NODE_ENTRIES = 1 << PT_LEVEL_BITS;
export const PT_NODE_SIZE = PT_NODE_ENTRIES * 4;
export const PTE_R = 0x1;
export const PTE_W = 0x2;
export const PTE_X = 0x4;
// The page is logically writable but its frame is shared copy-on-write: a write faults to lxcore.
export const PTE_COW = 0x8;
export const PTE_FRAME_MASK = -4096;        // ~0xfff as i32

// ---- TLB entry (offsets inside one entry) --------------------------------------------------
// One direct-mapped entry per ((vpn ^ vpn >> TLB_FOLD) & (TLB_ENTRIES-1)) (cpu/mmu/tlb.ts tlbEntry). A tag is the full virtual page number if
// the access kind is allowed, else -1; so one compare checks presence and permission at once.
export const TLBE_READ_TAG = 0;   // u64
export const TLBE_WRITE_TAG = 8;  // u64
export const TLBE_EXEC_TAG = 16;  // u64
export const TLBE_FRAME = 24;     // u32 linear-memory address of the frame

// ---- Page-fault codes (FAULT_CODE), shaped like the x86 #PF error code ---------------------
export const FAULT_PRESENT = 0x1;   // the page is mapped, the access kind is not allowed
export const FAULT_WRITE = 0x2;
export const FAULT_USER = 0x4;
export const FAULT_FETCH = 0x10;

// ---- Compiler tier (cpu/jit, docs/architecture.md "The wasm compiler tier") -----------------
// JIT_BUF: records of the instructions of a block being compiled, laid out as decoded-instruction
// cache entries (decoder.ts CE_*), written by jitDecode() for the host-side translator; in the
// free part of SCRATCH (the fetch buffer uses its first 16 bytes).
export const JIT_BUF = SCRATCH + 0x1000;
export const JIT_REC_SIZE = DCACHE_ENTRY_SIZE;
export const JIT_MAX_INSNS = 64;
// JIT_BLOCKS: direct-mapped table of block entries keyed by guest rip, between the TLB and asc's
// static data. Entry: rip tag (u64, -1 = empty), table slot (i32: > 0 compiled, 0 counting,
// -1 not compilable), instructions in the block (i32), hit count (i32), stale count (i32).
export const JIT_BLOCKS = TLB_END;
export const JIT_BLOCK_SIZE = 32;
export const JIT_BLOCK_BITS = 11;
export const JIT_BLOCK_ENTRIES = 1 << JIT_BLOCK_BITS;
export const JIT_BLOCKS_END = JIT_BLOCKS + JIT_BLOCK_ENTRIES * JIT_BLOCK_SIZE;
export const JB_RIP = 0;
export const JB_SLOT = 8;
export const JB_INSNS = 12;
export const JB_HITS = 16;
export const JB_STALE = 20;  // i32: times the block was found stale (backs recompiling off)
// A block's return value: instructions retired (by it and the blocks chained before it), |
// JIT_EARLY when it stopped before an instruction it could not finish (a TLB miss, a page-
// crossing access) for the interpreter to run, | JIT_STALE when the block about to run found
// its code bytes changed (rip is then that block's start; it retired nothing itself).
export const JIT_EARLY = 0x40000000;
export const JIT_STALE = 0x20000000;
export const JIT_COUNT_MASK = JIT_STALE - 1;
// env.jitCompile's answer when the block was translated but waits for the rest of its batch
// (cpu/jit/host/compiler.ts JitCache): the core keeps interpreting it and asks again later.
export const JIT_PENDING = -2;
