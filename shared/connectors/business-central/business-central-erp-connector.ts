import * as z from 'zod';
import type { Money } from '../../model/primitives';
import { PermanentVendorError, RetryableVendorError } from '../../integrations/vendor-errors';
import { RetryableConnectorError } from '../connector-errors';
import type { BillingArrangement, ErpConnector, ErpProject, ErpProjectRequest } from '../erp/erp-connector';
import {
  type BusinessCentralApi,
  BUSINESS_CENTRAL_SYSTEM,
  derivedNumber,
  major,
  odata,
} from './business-central-client';

const BillingEntity = z.object({ id: z.string().min(1), status: z.string() });

/**
 * The ERP port over the Dynamics 365 Business Central API v2.0 (the version the shared
 * {@link BusinessCentralApi} client pins).
 *
 * - Projects are the standard `projects` entity, numbered `PSF` plus a hash of the psflow
 *   project id, so a repeated create finds the first one (`$filter=number eq ...`): Business
 *   Central has no idempotency header, so idempotency is read-before-write on a derived key.
 * - Budgets, billing arrangements and project status have no standard v2.0 entity; they are the
 *   API pages of a small per-tenant extension, `api/psflow/professionalServices/v1.0`
 *   (`projectBudgets`, `billingArrangements`, `projects` with `status`), each keyed by
 *   `externalId` = psflow's idempotency key. Compensation closes and voids, never deletes.
 * - Auth, the token cache, the refresh on 401 and the OData error bodies are the shared
 *   {@link BusinessCentralApi}'s, as for the invoice and purchase-order adapters.
 */
export class BusinessCentralErpConnector implements ErpConnector {
  constructor(private readonly api: BusinessCentralApi) {}

  async createProject(_idempotencyKey: string, request: ErpProjectRequest): Promise<ErpProject> {
    const operation = 'createProject';
    const number = projectNumber(request.psflowProjectId);
    const existing = await this.api.findOne(operation, 'standard', 'projects', `number eq '${number}'`);
    if (existing) return { erpProjectId: existing.id, status: 'open' };
    const created = await this.api.write(operation, 'POST', 'standard', 'projects', {
      number,
      displayName: request.name.slice(0, 100),
    });
    return { erpProjectId: created.id, status: 'open' };
  }

  async setBudgetBaseline(
    idempotencyKey: string,
    erpProjectId: string,
    budget: Money,
    psflowProjectId: string,
  ): Promise<{ baselineId: string }> {
    const operation = 'setBudgetBaseline';
    const existing = await this.api.findOne(
      operation,
      'extension',
      'projectBudgets',
      `externalId eq '${odata(idempotencyKey)}'`,
    );
    if (existing) return { baselineId: existing.id };
    const created = await this.api.write(operation, 'POST', 'extension', 'projectBudgets', {
      externalId: idempotencyKey,
      projectId: erpProjectId,
      psflowProjectId,
      amount: major(budget),
      currencyCode: budget.currency,
    });
    return { baselineId: created.id };
  }

  async setBilling(
    idempotencyKey: string,
    erpProjectId: string,
    billing: BillingArrangement,
    psflowProjectId: string,
  ): Promise<{ billingId: string }> {
    const operation = 'setBilling';
    const existing = await this.api.findOne(
      operation,
      'extension',
      'billingArrangements',
      `externalId eq '${odata(idempotencyKey)}'`,
    );
    if (existing) return { billingId: existing.id };
    const lines =
      billing.kind === 'rate-card'
        ? billing.rates.map((rate) => ({
            description: rate.role,
            amount: major(rate.rate),
            currencyCode: rate.rate.currency,
          }))
        : billing.milestones.map((milestone) => ({
            description: milestone.name,
            dueDate: milestone.dueDate,
            amount: major(milestone.amount),
            currencyCode: milestone.amount.currency,
          }));
    const created = await this.api.write(operation, 'POST', 'extension', 'billingArrangements', {
      externalId: idempotencyKey,
      projectId: erpProjectId,
      psflowProjectId,
      kind: billing.kind,
      status: 'Active',
      lines,
    });
    return { billingId: created.id };
  }

  async closeProject(_idempotencyKey: string, erpProjectId: string, reason: string): Promise<ErpProject> {
    await this.api.write('closeProject', 'PATCH', 'extension', `projects(${erpProjectId})`, {
      status: 'Completed',
      closingReason: reason.slice(0, 250),
    });
    return { erpProjectId, status: 'closed' };
  }

  async voidBilling(
    _idempotencyKey: string,
    billingId: string,
    reason: string,
  ): Promise<{ billingId: string; status: 'void' }> {
    await this.api.write('voidBilling', 'PATCH', 'extension', `billingArrangements(${billingId})`, {
      status: 'Void',
      voidReason: reason.slice(0, 250),
    });
    return { billingId, status: 'void' };
  }

  async compensateProject(psflowProjectId: string, reason: string): Promise<string[]> {
    const operation = 'compensateProject';
    const project = await this.api.findOne(
      operation,
      'standard',
      'projects',
      `number eq '${projectNumber(psflowProjectId)}'`,
    );
    if (!project) return [];
    const arrangements = await this.api.list(
      operation,
      'extension',
      'billingArrangements',
      `projectId eq ${project.id}`,
    );
    const done: string[] = [];
    for (const value of arrangements) {
      const arrangement = this.api.parse(operation, BillingEntity, value, 'a billing arrangement');
      if (arrangement.status === 'Void') continue;
      try {
        await this.voidBilling(`void-${arrangement.id}`, arrangement.id, reason);
      } catch (error) {
        // What was done stays done; the error says what is left, and keeps the cause's retryability.
        const message = `partial failure: ${done.length ? done.join(', ') : 'nothing done'}, then billing ${arrangement.id} failed (${error instanceof Error ? error.message : String(error)}); project ${project.id} is still open`;
        const details = { system: BUSINESS_CENTRAL_SYSTEM, kind: 'partial-failure' as const };
        throw error instanceof RetryableConnectorError
          ? new RetryableVendorError('erp', operation, details, message, { cause: error })
          : new PermanentVendorError('erp', operation, details, message, { cause: error });
      }
      done.push(`billing ${arrangement.id} voided`);
    }
    await this.closeProject(`close-${project.id}`, project.id, reason);
    return [...done, `project ${project.id} closed`];
  }
}

/** `PSF` and 17 hex digits of the psflow project id's hash: Business Central numbers are Code[20]. */
export function projectNumber(psflowProjectId: string): string {
  return derivedNumber('PSF', psflowProjectId);
}
