// Name tables for Linux constants: [value, Linux spelling] pairs, used to print values the way
// strace does. Tables are built from object literals so a name can never drift from its constant.

/** [value, name] pairs. For flag tables the order is the print order (strace's, where it differs). */
export type NameTable = ReadonlyArray<readonly [number, string]>;

/** Builds a table from `{ O_CREAT, O_EXCL, … }`: the property names are the Linux names. */
export function nameTable(constants: Record<string, number>): NameTable {
  return Object.entries(constants).map(([name, value]) => [value, name] as const);
}

/** The name of `value` in a value (non-flag) table, or undefined. */
export function nameOf(table: NameTable, value: number): string | undefined {
  for (const [v, name] of table) if (v === value) return name;
  return undefined;
}
