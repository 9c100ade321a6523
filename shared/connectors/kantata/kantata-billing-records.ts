import * as z from 'zod';
import { parseVendorShape } from '../../integrations/vendor-json';
import { TimeEntry, type ProjectPeriodRecords, type PsaBillingRecords } from '../psa/psa-billing-records';
import { kantataId, KANTATA_SERVICE_NAME, type KantataApi } from './kantata-client';

const Id = z.union([z.string().min(1), z.number()]);

/** A Kantata time entry as billing reads it; fields Kantata adds are tolerated. */
const KantataTimeEntry = z.looseObject({
  id: Id,
  workspace_id: Id,
  user_id: Id,
  role_id: Id.nullable().optional(),
  story_id: Id.nullable().optional(),
  date_performed: z.string(),
  time_in_minutes: z.number(),
  billable: z.boolean(),
  approved: z.boolean(),
  rate_in_cents: z.number(),
  currency: z.string().min(1),
  /** Cents per major unit of `currency` (100 for USD, 1 for JPY). */
  currency_base_unit: z.number().positive().optional(),
});

const Role = z.looseObject({ id: Id, name: z.string() });
const Workspace = z.looseObject({ id: Id, external_reference_ids: z.array(Id).optional() });
const ExternalReference = z.looseObject({
  service_name: z.string(),
  service_model_ref: z.union([z.string(), z.number()]),
});

/**
 * Billing's PSA records with the time entries read from Kantata OX (`/time_entries`, filtered
 * by workspace and `date_performed_between` the month). Kantata keeps no expense policy limit
 * and no milestone acceptance evidence, which billing's records need, so expenses and
 * milestones come from `others` (the configured records source) until they are mapped.
 *
 * A time entry's role is the account role's name (the rate card's key); its role line is the
 * story it was logged against (`story-<id>`), or its role (`role-<id>`) when it has none.
 * Kantata approves or not: an unapproved entry reads as `submitted`, which readiness flags.
 */
export class KantataBillingRecords implements PsaBillingRecords {
  private roles: Map<string, string> | undefined;

  constructor(
    private readonly api: KantataApi,
    private readonly others: PsaBillingRecords,
  ) {}

  async recordsFor(projectId: string, month: string): Promise<ProjectPeriodRecords> {
    const operation = 'recordsFor';
    const [workspace] = await this.api.list(operation, 'workspaces', {
      external_reference_service_name: KANTATA_SERVICE_NAME,
      external_reference_service_model_refs: projectId,
      include_archived: true,
    });
    const others = await this.others.recordsFor(projectId, month);
    if (workspace === undefined) return { ...others, timeEntries: [] };
    const workspaceId = kantataId(this.parse(operation, Workspace, workspace, 'a workspace').id);
    const entries = await this.api.list(operation, 'time_entries', {
      workspace_id: workspaceId,
      date_performed_between: monthRange(month),
    });
    const roles = await this.roleNames(operation);
    const timeEntries = entries.map((value) => this.toTimeEntry(operation, value, projectId, roles));
    return { ...others, timeEntries: timeEntries.filter((entry) => entry.date.startsWith(month)) };
  }

  async projectsWithRecords(month: string): Promise<readonly string[]> {
    const operation = 'projectsWithRecords';
    const entries = await this.api.list(operation, 'time_entries', { date_performed_between: monthRange(month) });
    const workspaceIds = [
      ...new Set(
        entries.map((value) => kantataId(this.parse(operation, KantataTimeEntry, value, 'a time entry').workspace_id)),
      ),
    ];
    const projects = new Set(await this.others.projectsWithRecords(month));
    if (workspaceIds.length === 0) return [...projects].sort();
    const { objects, included } = await this.api.listIncluding(
      operation,
      'workspaces',
      { only: workspaceIds.join(','), include: 'external_references', include_archived: true },
      'external_references',
    );
    for (const value of objects) {
      const workspace = this.parse(operation, Workspace, value, 'a workspace');
      const reference = (workspace.external_reference_ids ?? [])
        .map((id) => included.get(kantataId(id)))
        .map((ref) =>
          ref === undefined ? undefined : this.parse(operation, ExternalReference, ref, 'an external reference'),
        )
        .find((ref) => ref?.service_name === KANTATA_SERVICE_NAME);
      // Time on a workspace psflow did not create still belongs to a project: it is named by
      // its Kantata id, so readiness reports it as a project psflow does not know.
      projects.add(
        reference === undefined ? `kantata-${kantataId(workspace.id)}` : String(reference.service_model_ref),
      );
    }
    return [...projects].sort();
  }

  private async roleNames(operation: string): Promise<Map<string, string>> {
    this.roles ??= new Map(
      (await this.api.list(operation, 'roles')).map((value) => {
        const role = this.parse(operation, Role, value, 'a role');
        return [kantataId(role.id), role.name] as const;
      }),
    );
    return this.roles;
  }

  private toTimeEntry(operation: string, value: unknown, projectId: string, roles: Map<string, string>): TimeEntry {
    const entry = this.parse(operation, KantataTimeEntry, value, 'a time entry');
    const roleId = entry.role_id === null || entry.role_id === undefined ? undefined : kantataId(entry.role_id);
    const storyId = entry.story_id === null || entry.story_id === undefined ? undefined : kantataId(entry.story_id);
    return this.parse(
      operation,
      TimeEntry,
      {
        entryId: `kantata-${kantataId(entry.id)}`,
        personId: `kantata-user-${kantataId(entry.user_id)}`,
        projectId,
        roleLineId: storyId === undefined ? `role-${roleId ?? 'none'}` : `story-${storyId}`,
        role: (roleId === undefined ? undefined : roles.get(roleId)) ?? 'unassigned',
        date: entry.date_performed,
        hours: entry.time_in_minutes / 60,
        billable: entry.billable,
        status: entry.approved ? 'approved' : 'submitted',
        rate: entry.rate_in_cents / (entry.currency_base_unit ?? 100),
        currency: entry.currency,
      },
      'a time entry in psflow terms',
    );
  }

  private parse<Schema extends z.ZodType>(
    operation: string,
    schema: Schema,
    value: unknown,
    what: string,
  ): z.output<Schema> {
    return parseVendorShape(this.api.site(operation), schema, value, what, JSON.stringify(value));
  }
}

/** `2027-01` as Kantata's `date_performed_between` range, `2027-01-01:2027-01-31`. */
export function monthRange(month: string): string {
  const [year, monthNumber] = month.split('-').map(Number);
  const last = new Date(Date.UTC(year, monthNumber, 0)).getUTCDate();
  return `${month}-01:${month}-${String(last).padStart(2, '0')}`;
}
