/** Column alignment: text left, numbers right. */
export type Align = "left" | "right";

/** A plain-text table with a header row and a rule under it. */
export function renderTable(headers: readonly string[], rows: ReadonlyArray<readonly string[]>, align: readonly Align[]): string {
  const widths = headers.map((header, i) => Math.max(width(header), ...rows.map((row) => width(row[i] ?? ""))));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (align[i] === "right" ? cell.padStart(widths[i] + cell.length - width(cell)) : cell.padEnd(widths[i] + cell.length - width(cell))))
      .join("  ")
      .trimEnd();
  return [line(headers), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

/** Display width, counting a character (not a UTF-16 unit) as one column. */
function width(text: string): number {
  return [...text].length;
}

/** 12345 → "12,345": fixed grouping, independent of the machine's locale. */
export function formatCount(value: number): string {
  return String(value).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}
