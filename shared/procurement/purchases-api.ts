import * as z from 'zod';
import type { ProcurementConnector } from '../connectors/procurement/procurement-connector';
import type { Directory } from '../directory/directory';
import type { WorkflowLauncher } from '../ingestion/ingestion-ports';
import { RoleLine } from '../model/entities';
import { ExternalId, Money, Region, SourceSystem } from '../model/primitives';
import type { HttpApiEvent } from '../operations-api/operations-api';
import { businessKey, executionNameFor, WorkflowName } from '../workflows/workflow-names';
import { DomainRefusal, limitOf, pathParameter, type DomainRoute } from './domain-api';
import { PurchaseRequest, RequestId } from './procurement-state';
import { receiptRefusal } from './purchase-assessment';

/** What the purchases API needs. */
export interface PurchasesApiDependencies {
  readonly directory: Directory;
  readonly procurement: ProcurementConnector;
  readonly launcher: WorkflowLauncher;
  readonly now: () => Date;
}

/** The body of `POST /purchases`: the request without who asked (the caller) or when (now). */
const PurchaseRequestBody = z.object({
  requestId: RequestId,
  region: Region,
  practice: z.string().min(1).max(50).optional(),
  projectId: ExternalId.optional(),
  receiver: z.string().min(1).max(200).optional(),
  description: z.string().min(1).max(2000),
  vendorId: z.string().min(1).max(64).optional(),
  amount: Money.optional(),
  competingQuotes: z
    .array(z.object({ vendorId: z.string().min(1).max(64), amount: Money }))
    .max(10)
    .optional(),
  roleLine: RoleLine.optional(),
});

/** The execution name of a purchase: one per request id, so a repeated request starts nothing new. */
export function purchaseExecutionName(requestId: string): string {
  return executionNameFor('purchase', { system: 'psflow', id: requestId });
}

/** Starts the procurement workflow for a request; a request id already used answers with the running one. */
export async function startPurchase(
  request: PurchaseRequest,
  launcher: WorkflowLauncher,
): Promise<{ requestId: string; executionArn: string; alreadyStarted: boolean }> {
  const started = await launcher.start(WorkflowName.Procurement, purchaseExecutionName(request.requestId), {
    request,
  });
  return { requestId: request.requestId, ...started };
}

function projectKeyOf(event: HttpApiEvent): string {
  const project = event.queryStringParameters?.project;
  if (!project) throw new DomainRefusal(400, 'InvalidRequest', 'give ?project=ID (and ?system=, default psflow)');
  return businessKey('project', {
    system: SourceSystem.parse(event.queryStringParameters?.system ?? 'psflow'),
    id: project,
  });
}

/** Route keys of the purchases API; the CDK construct creates one API route per key. */
export const PURCHASE_ROUTES: Readonly<Record<string, DomainRoute<PurchasesApiDependencies>>> = {
  'POST /purchases': async ({ actor, body, deps }) => {
    const parsed = PurchaseRequestBody.parse(body);
    const request = PurchaseRequest.parse({
      ...parsed,
      source: 'api',
      requestedBy: actor,
      requestedAt: deps.now().toISOString(),
    });
    const existing = await deps.procurement.getPurchase(request.requestId);
    if (existing && existing.requestedBy !== actor)
      throw new DomainRefusal(
        409,
        'AlreadyRequested',
        `request id ${request.requestId} was used by ${existing.requestedBy}; choose another`,
      );
    return startPurchase(request, deps.launcher);
  },
  'GET /purchases': async ({ event, deps }) =>
    deps.procurement.purchasesForProject(projectKeyOf(event), limitOf(event)),
  'GET /purchases/{requestId}': async ({ event, deps }) => {
    const requestId = pathParameter(event, 'requestId');
    const purchase = await deps.procurement.getPurchase(requestId);
    if (!purchase) throw new DomainRefusal(404, 'NotFound', `no purchase ${requestId}`);
    return { ...purchase, quotes: await deps.procurement.quotesFor(requestId) };
  },
  'POST /purchases/{requestId}/receipt': async ({ actor, event, deps }) => {
    const requestId = pathParameter(event, 'requestId');
    const purchase = await deps.procurement.getPurchase(requestId);
    if (!purchase) throw new DomainRefusal(404, 'NotFound', `no purchase ${requestId}`);
    if (purchase.status === 'received' && purchase.receivedBy === actor) return purchase;
    if (purchase.status !== 'issued')
      throw new DomainRefusal(
        409,
        'NotIssued',
        `purchase ${requestId} is ${purchase.status}; only an issued order can be received`,
      );
    const refusal = receiptRefusal(purchase, actor);
    if (refusal) throw new DomainRefusal(403, 'SegregationOfDuties', refusal);
    const at = deps.now().toISOString();
    return deps.procurement.savePurchase({
      ...purchase,
      status: 'received',
      receivedBy: actor,
      receivedAt: at,
      updatedAt: at,
    });
  },
};
