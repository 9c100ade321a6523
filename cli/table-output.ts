/** Renders rows as a plain-text table with a header, widths fitted to the content. */
export function renderTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  maxColumnWidth = 60,
): string {
  const clip = (text: string): string =>
    text.length > maxColumnWidth ? `${text.slice(0, maxColumnWidth - 1)}…` : text;
  const cells = [headers, ...rows].map((row) => row.map((cell) => clip(cell.replace(/\s+/g, ' '))));
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => row[column]?.length ?? 0)));
  const line = (row: readonly string[]): string =>
    row
      .map((cell, column) => cell.padEnd(widths[column]))
      .join('  ')
      .trimEnd();
  return [line(cells[0]), line(widths.map((width) => '-'.repeat(width))), ...cells.slice(1).map(line)].join('\n');
}
