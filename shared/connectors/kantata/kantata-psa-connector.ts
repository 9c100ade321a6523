import * as z from 'zod';
import { parseVendorShape } from '../../integrations/vendor-json';
import { PermanentVendorError, RetryableVendorError } from '../../integrations/vendor-errors';
import { RetryableConnectorError } from '../connector-errors';
import type { PsaConnector, PsaProject, PsaProjectRequest } from '../psa/psa-connector';
import { kantataId, KANTATA_SERVICE_NAME, type KantataApi } from './kantata-client';

/** A workspace as this connector reads it; fields Kantata adds are tolerated. */
const Workspace = z.looseObject({ id: z.union([z.string(), z.number()]), title: z.string(), archived: z.boolean() });
/** A story (task, deliverable, milestone) as read here. */
const Story = z.looseObject({
  id: z.union([z.string(), z.number()]),
  title: z.string(),
  story_type: z.string(),
});
/** An account role (`/roles`). */
const Role = z.looseObject({ id: z.union([z.string(), z.number()]), name: z.string() });
/** A workspace resource: a role to staff on the project, named or not. */
const WorkspaceResource = z.looseObject({
  id: z.union([z.string(), z.number()]),
  role_id: z.union([z.string(), z.number()]).nullable(),
});

/**
 * The project activation PSA port over the Kantata OX API v1.
 *
 * - The project is a **workspace**, created with an external reference (`service_name`
 *   `psflow`, `service_model_ref` the psflow project id) and found again through the listing's
 *   `external_reference_*` filters, so a repeated create returns the first workspace.
 * - Each work package is a **deliverable story** titled `<code> <name>` with its dates and
 *   estimate; each statement-of-work line is an unnamed **workspace resource** of the account
 *   role with the line's name (the role must exist in Kantata: a missing one is a permanent
 *   error naming it). Both are bulk-created, after reading what exists, so a retry resumes.
 * - Compensation archives the workspace and posts the reason to its activity feed; nothing is
 *   deleted.
 */
export class KantataPsaConnector implements PsaConnector {
  constructor(private readonly api: KantataApi) {}

  async createProject(_idempotencyKey: string, request: PsaProjectRequest): Promise<PsaProject> {
    const operation = 'createProject';
    const done: string[] = [];
    let workspace = await this.findWorkspace(operation, request.psflowProjectId);
    if (!workspace) {
      const [created] = await this.api.create(operation, 'workspaces', 'workspace', 'workspaces', [
        {
          title: request.name.slice(0, 255),
          description: `psflow project ${request.psflowProjectId} for client ${request.clientId}`,
          start_date: request.startDate,
          ...(request.endDate === undefined ? {} : { due_date: request.endDate }),
          creator_role: 'maven',
          external_reference: {
            service_name: KANTATA_SERVICE_NAME,
            service_model: 'Project',
            service_model_ref: request.psflowProjectId,
            // Kantata has no field for psflow's client id; staffing reads it back from here.
            external_message: JSON.stringify({ clientId: request.clientId }),
          },
        },
      ]);
      workspace = this.parse(operation, Workspace, created, 'the created workspace');
      done.push(`workspace ${kantataId(workspace.id)} created`);
    }
    const workspaceId = kantataId(workspace.id);
    try {
      done.push(...(await this.ensurePhases(operation, workspaceId, request)));
      done.push(...(await this.ensureResources(operation, workspaceId, request)));
    } catch (error) {
      throw partialFailure(operation, error, done, `workspace ${workspaceId}`);
    }
    return { psaProjectId: workspaceId, status: workspace.archived ? 'closed' : 'active' };
  }

  async closeProject(_idempotencyKey: string, psaProjectId: string, reason: string): Promise<PsaProject> {
    const operation = 'closeProject';
    await this.api.update(operation, 'workspaces', psaProjectId, 'workspace', { archived: true });
    await this.api.create(operation, 'posts', 'post', 'posts', [
      { workspace_id: psaProjectId, message: `Closed by psflow: ${reason}`.slice(0, 1000) },
    ]);
    return { psaProjectId, status: 'closed' };
  }

  async compensateProject(psflowProjectId: string, reason: string): Promise<string[]> {
    const workspace = await this.findWorkspace('compensateProject', psflowProjectId);
    if (!workspace || workspace.archived) return [];
    const id = kantataId(workspace.id);
    await this.closeProject(`close-${id}`, id, reason);
    return [`workspace ${id} archived`];
  }

  private async findWorkspace(
    operation: string,
    psflowProjectId: string,
  ): Promise<z.infer<typeof Workspace> | undefined> {
    const [first] = await this.api.list(operation, 'workspaces', {
      external_reference_service_name: KANTATA_SERVICE_NAME,
      external_reference_service_model_refs: psflowProjectId,
      include_archived: true,
    });
    return first === undefined ? undefined : this.parse(operation, Workspace, first, 'a workspace');
  }

  private async ensurePhases(operation: string, workspaceId: string, request: PsaProjectRequest): Promise<string[]> {
    const existing = (await this.api.list(operation, 'stories', { workspace_id: workspaceId })).map((story) =>
      this.parse(operation, Story, story, 'a story'),
    );
    const titles = new Set(existing.filter((story) => story.story_type === 'deliverable').map((story) => story.title));
    const missing = request.workBreakdown.filter((pkg) => !titles.has(phaseTitle(pkg.code, pkg.name)));
    if (missing.length === 0) return [];
    await this.api.create(
      operation,
      'stories',
      'story',
      'stories',
      missing.map((pkg) => ({
        workspace_id: workspaceId,
        story_type: 'deliverable',
        title: phaseTitle(pkg.code, pkg.name),
        start_date: pkg.startDate,
        due_date: pkg.endDate,
        time_estimate_in_minutes: Math.round(pkg.plannedHours * 60),
      })),
    );
    return [`${missing.length} phase(s) created`];
  }

  private async ensureResources(operation: string, workspaceId: string, request: PsaProjectRequest): Promise<string[]> {
    if (request.roles.length === 0) return [];
    const roles = new Map(
      (await this.api.list(operation, 'roles')).map((value) => {
        const role = this.parse(operation, Role, value, 'a role');
        return [role.name, kantataId(role.id)] as const;
      }),
    );
    const unknown = [...new Set(request.roles.map((line) => line.role).filter((role) => !roles.has(role)))];
    if (unknown.length > 0)
      throw new PermanentVendorError(
        this.api.connector,
        operation,
        { system: 'kantata', kind: 'rejected' },
        `no Kantata role named ${unknown.map((role) => `"${role}"`).join(', ')}; add the role(s) to the Kantata account's roles`,
      );
    // Unnamed resources carry no line id, so a retry counts what each role already has.
    const have = new Map<string, number>();
    for (const value of await this.api.list(operation, 'workspace_resources', { workspace_id: workspaceId })) {
      const roleId = kantataId(this.parse(operation, WorkspaceResource, value, 'a workspace resource').role_id);
      have.set(roleId, (have.get(roleId) ?? 0) + 1);
    }
    const missing = request.roles.filter((line) => {
      const roleId = roles.get(line.role) ?? '';
      const left = have.get(roleId) ?? 0;
      have.set(roleId, left - 1);
      return left <= 0;
    });
    if (missing.length === 0) return [];
    await this.api.create(
      operation,
      'workspace_resources',
      'workspace_resource',
      'workspace_resources',
      missing.map((line) => ({ workspace_id: workspaceId, role_id: roles.get(line.role) })),
    );
    return [`${missing.length} resource(s) created`];
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

/** `1 Discovery`: the work package's code first, so phases sort and are found by it. */
export function phaseTitle(code: string, name: string): string {
  return `${code} ${name}`.slice(0, 255);
}

/** A later step failed: say what was done and that a retry resumes, keeping the cause's retryability. */
function partialFailure(operation: string, error: unknown, done: readonly string[], subject: string): Error {
  const message = `partial failure: ${done.length ? done.join(', ') : 'nothing new done'}, then ${error instanceof Error ? error.message : String(error)}; ${subject} exists and a retry resumes from what it holds`;
  const details = { system: 'kantata', kind: 'partial-failure' as const };
  return error instanceof RetryableConnectorError
    ? new RetryableVendorError('psa', operation, details, message, { cause: error })
    : new PermanentVendorError('psa', operation, details, message, { cause: error });
}
