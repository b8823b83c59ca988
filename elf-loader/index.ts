// elf-loader's public API: parse and validate an x86-64 ELF executable, map it into a guest address
// space, and build the initial process stack (argv, envp, auxv). See docs/elf-loader.md.

export * from './elf.js';
export * from './load.js';
export * from './interp.js';
export * from './stack.js';
export * from './auxv.js';
