import type { DocumentsConnector } from '../connectors/documents/documents-connector';
import type { BillingArrangement, ErpConnector } from '../connectors/erp/erp-connector';
import type { PsaConnector } from '../connectors/psa/psa-connector';
import { PsflowSource, WorkflowDetailType } from '../events/catalogue';
import type { EventPublisher } from '../events/event-publisher';
import type { Money } from '../model/primitives';
import type {
  BillingSetUp,
  ClientOnboarded,
  CompensationInput,
  Engagement,
  ErpProvisioned,
  PreparedActivation,
  ProvisionedActivation,
  PsaProvisioned,
  ResourcesRequested,
} from './activation-state';
import { workBreakdownFor } from './work-breakdown';

/**
 * The side-effecting steps of project activation. Each write carries an idempotency key
 * derived from the project and the step, so a retried step, a redelivered event or a replayed
 * execution writes nothing twice (design decision 5).
 */

// Steps receive the workflow's whole state, so an owner's correction can patch any of it.

function key(engagement: Engagement, step: string): string {
  return `${engagement.projectId.id}:${step}`;
}

/** ERP project with one cost centre per role line, then its budget baseline. */
export async function provisionErpProject(
  { engagement }: PreparedActivation,
  erp: ErpConnector,
): Promise<ErpProvisioned> {
  const project = await erp.createProject(key(engagement, 'erp-project'), {
    psflowProjectId: engagement.projectId.id,
    name: engagement.name,
    clientId: engagement.clientId.id,
    region: engagement.region,
    practice: engagement.practice,
    costCentres: engagement.roleLines.map((line) => ({
      code: `${engagement.projectId.id}-${line.lineId}`,
      role: line.role,
      plannedHours: line.hours,
    })),
  });
  const baseline = await erp.setBudgetBaseline(
    key(engagement, 'erp-budget'),
    project.erpProjectId,
    engagement.amount,
    engagement.projectId.id,
  );
  return { erpProjectId: project.erpProjectId, baselineId: baseline.baselineId, completedAt: new Date().toISOString() };
}

/** PSA project with its work breakdown (a work package per phase of the SOW) and one role per SOW line. */
export async function provisionPsaProject(
  { engagement }: PreparedActivation,
  psa: PsaConnector,
): Promise<PsaProvisioned> {
  const workBreakdown = workBreakdownFor(engagement.roleLines);
  const packageOf = (lineId: string): string =>
    workBreakdown.find((workPackage) => workPackage.roleLineIds.includes(lineId))?.code ?? '';
  const project = await psa.createProject(key(engagement, 'psa-project'), {
    psflowProjectId: engagement.projectId.id,
    name: engagement.name,
    clientId: engagement.clientId.id,
    startDate: engagement.startDate,
    endDate: engagement.endDate,
    workBreakdown,
    roles: engagement.roleLines.map((line) => ({
      lineId: line.lineId,
      role: line.role,
      skills: line.skills,
      hours: line.hours,
      workPackage: packageOf(line.lineId),
    })),
  });
  return { psaProjectId: project.psaProjectId, completedAt: new Date().toISOString() };
}

/** Billing rules: a rate card for time and materials; for a fixed fee, milestones of 30, 40 and 30 percent. */
export function billingArrangementFor(engagement: Engagement): BillingArrangement {
  if (engagement.billingModel === 'time-and-materials') {
    return { kind: 'rate-card', rates: engagement.roleLines.map((line) => ({ role: line.role, rate: line.rate })) };
  }
  const start = Date.parse(engagement.startDate);
  const end = Date.parse(engagement.endDate);
  const at = (share: number): string => new Date(start + (end - start) * share).toISOString().slice(0, 10);
  const total = engagement.amount.amountMinor;
  const first = Math.round(total * 0.3);
  const second = Math.round(total * 0.4);
  const part = (amountMinor: number): Money => ({ amountMinor, currency: engagement.amount.currency });
  return {
    kind: 'milestone-schedule',
    milestones: [
      { name: 'Mobilisation and plan signed off', dueDate: at(0.1), amount: part(first) },
      { name: 'Mid-point deliverables accepted', dueDate: at(0.5), amount: part(second) },
      // The remainder, so rounding never loses or invents a cent.
      { name: 'Final acceptance', dueDate: at(1), amount: part(total - first - second) },
    ],
  };
}

/** Billing rules in the ERP. */
export async function setUpBilling(
  { engagement, provisioned }: ProvisionedActivation,
  erp: ErpConnector,
): Promise<BillingSetUp> {
  const { erpProjectId } = provisioned.erp;
  const billing = billingArrangementFor(engagement);
  const result = await erp.setBilling(key(engagement, 'erp-billing'), erpProjectId, billing, engagement.projectId.id);
  return { billingId: result.billingId, kind: billing.kind, completedAt: new Date().toISOString() };
}

/** One `Resource Requested` event per role line, for the staffing workflow. */
export async function requestResources(
  { engagement }: PreparedActivation,
  events: EventPublisher,
  now: Date,
): Promise<ResourcesRequested> {
  await events.publish(
    engagement.roleLines.map((roleLine) => ({
      source: PsflowSource.Workflow,
      detailType: WorkflowDetailType.ResourceRequested,
      detail: { projectId: engagement.projectId, roleLine, requestedAt: now.toISOString() },
    })),
  );
  return { requested: engagement.roleLines.length, completedAt: new Date().toISOString() };
}

/** Client onboarding: contract and statement of work filed, kickoff tasks created. */
export async function onboardClient(
  { engagement }: PreparedActivation,
  documents: DocumentsConnector,
): Promise<ClientOnboarded> {
  const reference = engagement.projectId.id;
  const contract = await documents.fileDocument(key(engagement, 'doc-contract'), {
    psflowProjectId: reference,
    kind: 'contract',
    title: `${engagement.name}: contract`,
  });
  const sow = await documents.fileDocument(key(engagement, 'doc-sow'), {
    psflowProjectId: reference,
    kind: 'sow',
    title: `${engagement.name}: statement of work`,
  });
  const kickoff = engagement.startDate;
  const tasks = await documents.createTasks(key(engagement, 'onboarding-tasks'), {
    psflowProjectId: reference,
    tasks: [
      { title: 'Schedule the kickoff with the client', dueDate: kickoff, ownerRole: 'delivery-lead' },
      { title: 'Request client system access for the team', dueDate: kickoff, ownerRole: 'delivery-lead' },
      { title: 'Send the welcome pack and invoicing contacts form', dueDate: kickoff, ownerRole: 'finance-ops' },
    ],
  });
  return {
    contractId: contract.documentId,
    sowId: sow.documentId,
    taskListId: tasks.taskListId,
    completedAt: new Date().toISOString(),
  };
}

/** Compensation, latest first: the onboarding documents and tasks, then the ERP (billing, budget, project), then the PSA project. */
export async function compensateActivation(
  { projectId }: CompensationInput,
  ports: { erp: ErpConnector; psa: PsaConnector; documents: DocumentsConnector },
): Promise<{ actions: string[] }> {
  // The project id ingestion assigned is in the state from the start; the engagement may not exist yet.
  const reason = 'activation aborted by its exception owner';
  const actions = [
    ...(await ports.documents.compensateProject(projectId.id, reason)),
    ...(await ports.erp.compensateProject(projectId.id, reason)),
    ...(await ports.psa.compensateProject(projectId.id, reason)),
  ];
  return { actions };
}
