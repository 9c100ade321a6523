import type { WorkPackage } from '../connectors/psa/psa-connector';
import type { RoleLine } from '../model/entities';

/**
 * The project's work breakdown, derived from the statement of work: role lines that share a
 * date window are one phase of the work, so each window becomes a work package (numbered in
 * date order, `1`, `2`, ...) holding those lines' roles and hours. Deterministic, so a retried
 * step sends the PSA the same structure under the same idempotency key.
 */
export function workBreakdownFor(roleLines: readonly RoleLine[]): WorkPackage[] {
  const windows = new Map<string, RoleLine[]>();
  for (const line of roleLines) {
    const window = `${line.startDate}/${line.endDate}`;
    windows.set(window, [...(windows.get(window) ?? []), line]);
  }
  return [...windows.entries()]
    .sort(([left], [right]) => left.localeCompare(right))
    .map(([, lines], index) => ({
      code: String(index + 1),
      name: `${lines.map((line) => line.role).join(', ')} (${lines[0].startDate} to ${lines[0].endDate})`,
      startDate: lines[0].startDate,
      endDate: lines[0].endDate,
      plannedHours: lines.reduce((total, line) => total + line.hours, 0),
      roleLineIds: lines.map((line) => line.lineId),
    }));
}
