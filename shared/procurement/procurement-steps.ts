import { PermanentConnectorError } from '../connectors/connector-errors';
import type { DocumentsConnector } from '../connectors/documents/documents-connector';
import type { ErpPurchaseOrders } from '../connectors/erp/erp-purchase-orders';
import type {
  ProcurementConnector,
  PurchaseRecord,
  VendorRecord,
} from '../connectors/procurement/procurement-connector';
import type { PsaResources } from '../connectors/psa/psa-resources';
import { PsflowSource, WorkflowDetailType } from '../events/catalogue';
import type { EventPublisher } from '../events/event-publisher';
import type { Money } from '../model/primitives';
import type { PurchaseOrderIssuedDetail, VendorOnboardedDetail } from './procurement-events';
import type { ProcurementPolicy } from './procurement-policy';
import type {
  ApprovedPurchase,
  AssessedPurchase,
  OrderedPurchase,
  PurchaseAssessment,
  PurchaseCompensationInput,
  PurchaseOrderRaised,
  PurchaseRequest,
  ProcurementState,
  ResourceAdded,
  VendorOnboarding,
} from './procurement-state';
import { assessPurchase, documentProblems, subcontractOffers } from './purchase-assessment';

/**
 * The side-effecting steps of procurement. Every write is keyed by the request id and the step,
 * so a retried step, a duplicate `Subcontractor Requested` or a replayed execution writes nothing
 * twice (design decision 5).
 */

/** What the steps talk to. */
export interface ProcurementPorts {
  readonly procurement: ProcurementConnector;
  readonly purchaseOrders: ErpPurchaseOrders;
  readonly documents: DocumentsConnector;
  readonly resources: PsaResources;
  readonly events: EventPublisher;
}

/** A purchase the policy holds: a permanent failure owned by finance, listing every reason. */
export class PurchaseHeldError extends PermanentConnectorError {
  constructor(
    operation: string,
    readonly reasons: readonly string[],
  ) {
    super('procurement', operation, `held: ${reasons.join('; ')}`);
  }
}

function key(request: PurchaseRequest, step: string): string {
  return `purchase:${request.requestId}:${step}`;
}

function baseRecord(request: PurchaseRequest, now: Date): PurchaseRecord {
  return {
    requestId: request.requestId,
    status: 'requested',
    source: request.source,
    projectId: request.projectId,
    region: request.region,
    description: request.description,
    requestedBy: request.requestedBy,
    receiver: request.receiver,
    vendorId: request.vendorId,
    amount: request.amount,
    requestedAt: request.requestedAt,
    updatedAt: now.toISOString(),
  };
}

/**
 * Chooses the vendor (for a subcontractor: the best offer for the role line, each eligible
 * vendor's rate card counting as a quote), applies the policy, records the purchase as requested
 * or held, and either hands approvers a subject or throws {@link PurchaseHeldError}.
 */
export async function assessPurchaseStep(
  { request }: ProcurementState,
  ports: Pick<ProcurementPorts, 'procurement' | 'purchaseOrders'>,
  policy: ProcurementPolicy,
  now: Date,
): Promise<PurchaseAssessment> {
  const { procurement } = ports;
  let vendor: VendorRecord | undefined;
  let amount: Money | undefined = request.amount;
  let costRate: Money | undefined;
  if (request.roleLine && !request.vendorId) {
    const offers = subcontractOffers(
      await procurement.vendorsInRegion(request.region),
      request.roleLine,
      policy,
      request.region,
    );
    for (const offer of offers)
      await procurement.recordQuote({
        requestId: request.requestId,
        vendorId: offer.vendor.vendorId,
        amount: offer.amount,
        receivedAt: now.toISOString(),
      });
    vendor = offers[0]?.vendor;
    amount = offers[0]?.amount;
    costRate = offers[0]?.rate;
  } else if (request.vendorId) {
    vendor = await procurement.getVendor(request.vendorId);
    const offered = request.amount ? [{ vendorId: request.vendorId, amount: request.amount }] : [];
    for (const quote of [...offered, ...request.competingQuotes])
      await procurement.recordQuote({ requestId: request.requestId, ...quote, receivedAt: request.requestedAt });
    costRate = request.roleLine
      ? vendor?.rates.find((each) => each.role.toLowerCase() === request.roleLine?.role.toLowerCase())?.rate
      : undefined;
  }
  const entity = await ports.purchaseOrders.legalEntityFor(request.region);
  const quotes = await procurement.quotesFor(request.requestId);
  const vendorId = vendor?.vendorId ?? request.vendorId;
  const outcome = assessPurchase({
    request,
    policy,
    vendor,
    vendorId,
    amount,
    quotes,
    entity,
    today: now.toISOString().slice(0, 10),
  });
  const record = { ...baseRecord(request, now), vendorId, amount };
  if (outcome.decision === 'held') {
    await procurement.savePurchase({ ...record, status: 'held', heldReasons: [...outcome.reasons] });
    throw new PurchaseHeldError('assessPurchase', outcome.reasons);
  }
  // Both are known when the outcome proceeds; the checks satisfy the compiler without a cast.
  if (!vendor || !amount) throw new PurchaseHeldError('assessPurchase', ['no vendor or amount']);
  await procurement.savePurchase({ ...record, status: 'requested' });
  const { requirements } = outcome;
  return {
    vendor: { vendorId: vendor.vendorId, name: vendor.name, isNew: vendor.status === 'prospective', costRate },
    amount,
    amountEur: requirements.amountEur,
    tax: requirements.tax,
    entityId: entity.entityId,
    requiredQuotes: requirements.requiredQuotes,
    quotes: new Set(quotes.map((quote) => quote.vendorId)).size,
    policyVersion: requirements.policyVersion,
    subject: {
      title: `Purchase from ${vendor.name}: ${request.description}`.slice(0, 500),
      projectId: request.projectId,
      amount,
      region: request.region,
      practice: request.practice,
      reasons: [...outcome.reasons],
    },
    assessedAt: now.toISOString(),
  };
}

/**
 * A new vendor gets its onboarding tasks (collect insurance, tax form and NDA), then its
 * documents are checked: a missing or expired one blocks the order (the step fails permanently
 * and finance owns the exception; once the vendor sends a new certificate, a retry passes). A
 * vendor that passes becomes active and `Vendor Onboarded` is announced.
 */
export async function onboardVendorStep(
  { request, assessment }: AssessedPurchase,
  ports: Pick<ProcurementPorts, 'procurement' | 'documents' | 'events'>,
  now: Date,
): Promise<VendorOnboarding> {
  if (!assessment.vendor.isNew) return { onboarded: false, completedAt: now.toISOString() };
  const vendor = await ports.procurement.getVendor(assessment.vendor.vendorId);
  if (!vendor)
    throw new PermanentConnectorError('procurement', 'onboardVendor', `vendor ${assessment.vendor.vendorId} vanished`);
  const due = new Date(now.getTime() + 5 * 86_400_000).toISOString().slice(0, 10);
  const tasks = await ports.documents.createTasks(key(request, 'vendor-onboarding'), {
    psflowProjectId: request.projectId?.id ?? `purchase:${request.requestId}`,
    tasks: [
      { title: `Collect the insurance certificate of ${vendor.name}`, dueDate: due, ownerRole: 'finance-ops' },
      { title: `Collect the tax form of ${vendor.name}`, dueDate: due, ownerRole: 'finance-ops' },
      { title: `Have ${vendor.name} sign the NDA`, dueDate: due, ownerRole: 'delivery-lead' },
    ],
  });
  const problems = documentProblems(vendor, now.toISOString().slice(0, 10));
  if (problems.length > 0) {
    await ports.procurement.savePurchase({
      ...baseRecord(request, now),
      vendorId: vendor.vendorId,
      amount: assessment.amount,
      status: 'held',
      heldReasons: problems,
    });
    throw new PurchaseHeldError('onboardVendor', problems);
  }
  const active = await ports.procurement.activateVendor(vendor.vendorId, now.toISOString());
  const detail: VendorOnboardedDetail = {
    vendorId: { system: 'procurement', id: vendor.vendorId },
    name: vendor.name,
    region: vendor.region,
    requestId: request.requestId,
    documents: vendor.documents.map((document) => ({ kind: document.kind, expiresOn: document.expiresOn })),
    onboardedAt: active.onboardedAt ?? now.toISOString(),
  };
  await ports.events.publish([
    { source: PsflowSource.Workflow, detailType: WorkflowDetailType.VendorOnboarded, detail },
  ]);
  return { onboarded: true, taskListId: tasks.taskListId, completedAt: now.toISOString() };
}

/**
 * The purchase order in the ERP, once per request; the ledger records it as issued with its
 * approvers (for separation of duties at receipt), and `Purchase Order Issued` carries the PO
 * cycle time. Expired insurance found now (it may lapse while approvers decide) blocks it.
 */
export async function raisePurchaseOrderStep(
  { request, assessment, approval }: ApprovedPurchase,
  ports: Pick<ProcurementPorts, 'procurement' | 'purchaseOrders' | 'events'>,
  now: Date,
): Promise<PurchaseOrderRaised> {
  const vendor = await ports.procurement.getVendor(assessment.vendor.vendorId);
  const problems = vendor ? documentProblems(vendor, now.toISOString().slice(0, 10)) : ['the vendor vanished'];
  if (problems.length > 0) throw new PurchaseHeldError('raisePurchaseOrder', problems);
  const order = await ports.purchaseOrders.raisePurchaseOrder(key(request, 'erp-po'), {
    entityId: assessment.entityId,
    vendorId: assessment.vendor.vendorId,
    requestId: request.requestId,
    psflowProjectId: request.projectId?.id,
    description: request.description,
    amount: assessment.amount,
    tax: { treatment: assessment.tax.treatment, amount: assessment.tax.amount },
  });
  const approvers = [...new Set((approval.decisions ?? []).map((decision) => decision.decidedBy))];
  const issuedAt = now.toISOString();
  const cycleTimeSeconds = Math.max(0, Math.round((now.getTime() - Date.parse(request.requestedAt)) / 1000));
  await ports.procurement.savePurchase({
    ...baseRecord(request, now),
    vendorId: assessment.vendor.vendorId,
    amount: assessment.amount,
    status: 'issued',
    approvers,
    erpPurchaseOrderId: order.purchaseOrderId,
    issuedAt,
  });
  const detail: PurchaseOrderIssuedDetail = {
    requestId: request.requestId,
    purchaseOrderId: { system: 'erp', id: order.purchaseOrderId },
    vendorId: { system: 'procurement', id: assessment.vendor.vendorId },
    projectId: request.projectId,
    region: request.region,
    amount: assessment.amount,
    tax: { treatment: assessment.tax.treatment, amount: assessment.tax.amount },
    requestedBy: request.requestedBy,
    approvers,
    requestedAt: request.requestedAt,
    issuedAt,
    cycleTimeSeconds,
  };
  await ports.events.publish([
    { source: PsflowSource.Workflow, detailType: WorkflowDetailType.PurchaseOrderIssued, detail },
  ]);
  return { purchaseOrderId: order.purchaseOrderId, issuedAt, cycleTimeSeconds, approvers };
}

/** A subcontractor joins the PSA's pool as a bookable resource with the vendor's cost rate. */
export async function addBookableResourceStep(
  { request, assessment, purchaseOrder }: OrderedPurchase,
  resources: PsaResources,
  now: Date,
): Promise<ResourceAdded> {
  const line = request.roleLine;
  const costRate = assessment.vendor.costRate;
  if (!line || !costRate)
    throw new PermanentConnectorError(
      'psa',
      'addBookableResource',
      'only a subcontractor purchase (a role line with the vendor rate) adds a bookable resource',
    );
  const added = await resources.addBookableResource(key(request, 'psa-resource'), {
    resourceId: `SUB-${request.requestId}`,
    name: `${line.role} (${assessment.vendor.name})`,
    vendorId: assessment.vendor.vendorId,
    role: line.role,
    skills: line.skills,
    region: request.region,
    costRate,
    availableFrom: line.startDate,
    availableTo: line.endDate,
    psflowProjectId: request.projectId?.id,
    purchaseOrderId: purchaseOrder.purchaseOrderId,
  });
  return { psaResourceId: added.psaResourceId, completedAt: now.toISOString() };
}

/** Compensation: the PSA resource retired, the ERP order cancelled, the ledger entry cancelled; nothing deleted. */
export async function compensatePurchase(
  input: PurchaseCompensationInput,
  ports: Pick<ProcurementPorts, 'procurement' | 'purchaseOrders' | 'resources'>,
  now: Date,
): Promise<{ actions: string[] }> {
  const reason = 'purchase aborted by its exception owner';
  const actions: string[] = [];
  const { requestId } = input.request;
  if (input.resource) {
    await ports.resources.retireResource(`purchase:${requestId}:retire`, input.resource.psaResourceId, reason);
    actions.push(`psa resource ${input.resource.psaResourceId} retired`);
  }
  if (input.purchaseOrder) {
    await ports.purchaseOrders.cancelPurchaseOrder(
      `purchase:${requestId}:cancel`,
      input.purchaseOrder.purchaseOrderId,
      reason,
    );
    actions.push(`erp purchase order ${input.purchaseOrder.purchaseOrderId} cancelled`);
  }
  const purchase = await ports.procurement.getPurchase(requestId);
  if (purchase && purchase.status !== 'cancelled') {
    await ports.procurement.savePurchase({
      ...purchase,
      status: 'cancelled',
      cancelledReason: reason,
      updatedAt: now.toISOString(),
    });
    actions.push(`purchase ${requestId} cancelled`);
  }
  return { actions };
}
