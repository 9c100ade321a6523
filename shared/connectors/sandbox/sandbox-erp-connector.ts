import type { Money } from '../../model/primitives';
import type { BillingArrangement, ErpConnector, ErpProject, ErpProjectRequest } from '../erp/erp-connector';
import type { SandboxRecordStore } from './sandbox-record-store';
import * as z from 'zod';

const ErpProjectStatus = z.enum(['open', 'closed']);

/** The sandbox ERP: projects, budget baselines and billing arrangements as sandbox records. */
export class SandboxErpConnector implements ErpConnector {
  constructor(
    private readonly store: SandboxRecordStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async createProject(idempotencyKey: string, request: ErpProjectRequest): Promise<ErpProject> {
    const record = await this.store.create({
      system: 'erp',
      operation: 'createProject',
      type: 'project',
      idPrefix: 'ERP',
      idempotencyKey,
      payload: { ...request, status: 'open' },
      now: this.now(),
      reference: request.psflowProjectId,
    });
    return { erpProjectId: record.id, status: ErpProjectStatus.parse(record.status) };
  }

  async setBudgetBaseline(
    idempotencyKey: string,
    erpProjectId: string,
    budget: Money,
    psflowProjectId: string,
  ): Promise<{ baselineId: string }> {
    const record = await this.store.create({
      system: 'erp',
      operation: 'setBudgetBaseline',
      type: 'budget',
      idPrefix: 'BUD',
      idempotencyKey,
      payload: { erpProjectId, budget },
      now: this.now(),
      reference: psflowProjectId,
    });
    return { baselineId: record.id };
  }

  async setBilling(
    idempotencyKey: string,
    erpProjectId: string,
    billing: BillingArrangement,
    psflowProjectId: string,
  ): Promise<{ billingId: string }> {
    const record = await this.store.create({
      system: 'erp',
      operation: 'setBilling',
      type: 'billing',
      idPrefix: 'BIL',
      idempotencyKey,
      payload: { erpProjectId, billing, status: 'active' },
      now: this.now(),
      reference: psflowProjectId,
    });
    return { billingId: record.id };
  }

  async closeProject(_idempotencyKey: string, erpProjectId: string, reason: string): Promise<ErpProject> {
    const record = await this.store.update(
      'erp',
      'closeProject',
      `erp#project#${erpProjectId}`,
      { status: 'closed', closedReason: reason, closedAt: this.now().toISOString() },
      ['closedReason', 'closedAt'],
    );
    return { erpProjectId: record.id, status: 'closed' };
  }

  async compensateProject(psflowProjectId: string, reason: string): Promise<string[]> {
    const records = await this.store.listByReference('erp', psflowProjectId);
    const actions: string[] = [];
    for (const billing of records
      .filter((record) => record.systemType === 'erp#billing' && record.status !== 'void')
      .reverse()) {
      await this.voidBilling(`compensate:${billing.id}`, billing.id, reason);
      actions.push(`erp billing ${billing.id} voided`);
    }
    for (const project of records
      .filter((record) => record.systemType === 'erp#project' && record.status !== 'closed')
      .reverse()) {
      await this.closeProject(`compensate:${project.id}`, project.id, reason);
      actions.push(`erp project ${project.id} closed`);
    }
    return actions;
  }

  async voidBilling(
    _idempotencyKey: string,
    billingId: string,
    reason: string,
  ): Promise<{ billingId: string; status: 'void' }> {
    await this.store.update(
      'erp',
      'voidBilling',
      `erp#billing#${billingId}`,
      { status: 'void', voidReason: reason, voidedAt: this.now().toISOString() },
      ['voidReason', 'voidedAt'],
    );
    return { billingId, status: 'void' };
  }
}
