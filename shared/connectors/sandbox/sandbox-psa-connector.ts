import type { PsaConnector, PsaProject, PsaProjectRequest } from '../psa/psa-connector';
import type { SandboxRecordStore } from './sandbox-record-store';
import * as z from 'zod';

const PsaProjectStatus = z.enum(['active', 'closed']);

/** The sandbox PSA: projects with their work breakdown and roles as sandbox records. */
export class SandboxPsaConnector implements PsaConnector {
  constructor(
    private readonly store: SandboxRecordStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async createProject(idempotencyKey: string, request: PsaProjectRequest): Promise<PsaProject> {
    const record = await this.store.create({
      system: 'psa',
      operation: 'createProject',
      type: 'project',
      idPrefix: 'PSA',
      idempotencyKey,
      payload: { ...request, status: 'active' },
      now: this.now(),
      reference: request.psflowProjectId,
    });
    return { psaProjectId: record.id, status: PsaProjectStatus.parse(record.status) };
  }

  async compensateProject(psflowProjectId: string, reason: string): Promise<string[]> {
    const actions: string[] = [];
    for (const project of (await this.store.listByReference('psa', psflowProjectId))
      .filter((record) => record.systemType === 'psa#project' && record.status !== 'closed')
      .reverse()) {
      await this.closeProject(`compensate:${project.id}`, project.id, reason);
      actions.push(`psa project ${project.id} closed`);
    }
    return actions;
  }

  async closeProject(_idempotencyKey: string, psaProjectId: string, reason: string): Promise<PsaProject> {
    await this.store.update(
      'psa',
      'closeProject',
      `psa#project#${psaProjectId}`,
      { status: 'closed', closedReason: reason, closedAt: this.now().toISOString() },
      ['closedReason', 'closedAt'],
    );
    return { psaProjectId, status: 'closed' };
  }
}
