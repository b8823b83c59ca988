// Name tables for Linux constants: [value, Linux spelling] pairs, used to print values the way
// strace does. Tables are built from object literals so a name can never drift from its constant.

/** [value, name] pairs. For flag tables the order is the print order (strace's, where it differs). */
export type NameTable = Iterable<readonly [number, string]>;

/**
 * Builds a table from `{ O_CREAT, O_EXCL, … }`: the property names are the Linux names. The pairs
 * are made at the first iteration: only strace reads most tables, and making all sixty of them at
 * every start was allocation enough to cost a static hello a young-generation GC (issue #11).
 */
export function nameTable(constants: Record<string, number>): NameTable {
  let pairs: ReadonlyArray<readonly [number, string]> | undefined;
  return {
    [Symbol.iterator]: () => (pairs ??= Object.entries(constants).map(([name, value]) => [value, name] as const))[Symbol.iterator](),
  };
}

/** The name of `value` in a value (non-flag) table, or undefined. */
export function nameOf(table: NameTable, value: number): string | undefined {
  for (const [v, name] of table) if (v === value) return name;
  return undefined;
}
