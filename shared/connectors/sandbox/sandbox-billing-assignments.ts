import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ProjectAssignment, type AssignmentsForProject, type WorkingCalendar } from '../../billing/billing-ports';
import { monthOf } from '../psa/psa-billing-records';
import { SandboxBillingStore } from './sandbox-billing-store';

/**
 * Billing's own sandbox of who is booked on a project and who is on leave, in the sandbox
 * billing table (`project#<id>` / `assignment#...`, `person#<id>` / `leave#<YYYY-MM>`). It
 * stands in until billing reads the staffing workflow's PSA bookings and HRIS leave through
 * adapters of the same two ports.
 */
export class SandboxBillingAssignments implements AssignmentsForProject, WorkingCalendar {
  private readonly store: SandboxBillingStore;

  constructor(documents: DynamoDBDocumentClient, tableName: string) {
    this.store = new SandboxBillingStore(documents, tableName);
  }

  async assignmentsFor(projectId: string): Promise<readonly ProjectAssignment[]> {
    const items = await this.store.queryAll(`project#${projectId}`, 'assignment#');
    return items.map(({ pk: _pk, sk: _sk, ...assignment }) => ProjectAssignment.parse(assignment));
  }

  async leaveDays(personId: string, month: string): Promise<readonly string[]> {
    const items = await this.store.queryAll(`person#${personId}`, `leave#${month}`);
    return items.flatMap((item) => (Array.isArray(item.dates) ? item.dates.map(String) : []));
  }

  /** Writes assignments (replacing the same person, role line and start) and the leave they carry, by month. */
  async putAssignments(assignments: readonly ProjectAssignment[]): Promise<void> {
    const leave = new Map<string, Set<string>>();
    for (const assignment of assignments)
      for (const date of assignment.leaveDates) {
        const key = `${assignment.personId}\u0000${monthOf(date)}`;
        leave.set(key, (leave.get(key) ?? new Set()).add(date));
      }
    await this.store.batchPut([
      ...assignments.map((assignment) => ({
        pk: `project#${assignment.projectId}`,
        sk: `assignment#${assignment.personId}#${assignment.roleLineId}#${assignment.from}`,
        ...assignment,
      })),
      ...[...leave].map(([key, dates]) => {
        const [personId, month] = key.split('\u0000');
        return { pk: `person#${personId}`, sk: `leave#${month}`, dates: [...dates].sort() };
      }),
    ]);
  }
}
