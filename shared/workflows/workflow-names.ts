import { createHash } from 'node:crypto';
import type { ExternalId } from '../model/primitives';

/** Workflow names: the suffix of each state machine's name and the key of its execution records. */
export const WorkflowName = {
  ProjectActivation: 'project-activation',
  /** Exercises approvals and the exception queue end to end, for operators and deploy checks. */
  OperationsDrill: 'operations-drill',
  /** One billing cycle of a region and period: plans it, starts one project check per project, closes it at the cut-off. */
  BillingReadiness: 'billing-readiness',
  /** The billing readiness of one project in one cycle: check, then draft the invoice when ready. */
  BillingReadinessProject: 'billing-readiness-project',
  /** Purchase request to purchase order: policy checks, approval, vendor onboarding, PO in ERP. */
  Procurement: 'procurement',
  /** Change request to applied change: impact, approval chain by delta, ERP/PSA/billing updates. */
  ChangeControl: 'change-control',
  /** Request to staffing: recommend, hold, approve, confirm, book. */
  Staffing: 'staffing',
} as const;
/** Union of {@link WorkflowName} values. */
export type WorkflowName = (typeof WorkflowName)[keyof typeof WorkflowName];

/** Step Functions execution names: at most 80 characters, and only these are safe everywhere. */
const EXECUTION_NAME_MAX = 80;
const SAFE = /^[A-Za-z0-9_-]+$/;
const HASHED_SUFFIX = /-[0-9a-f]{16}$/;

/**
 * The deterministic execution name of a workflow about one business record. The same
 * record always gets the same name, so a duplicate or replayed event cannot start a second
 * execution: Step Functions refuses the name. Ids with unsafe characters or too long for
 * the limit keep a readable prefix plus a hash of the full id, so names stay unique.
 */
export function executionNameFor(subject: string, id: ExternalId): string {
  const plain = `${subject}-${id.system}-${id.id}`;
  // A plain name that looks like a hashed one could collide with another id's hashed name.
  if (plain.length <= EXECUTION_NAME_MAX && SAFE.test(plain) && !HASHED_SUFFIX.test(plain)) return plain;
  const hash = createHash('sha256').update(`${id.system}\u0000${id.id}`).digest('hex').slice(0, 16);
  const readable = `${subject}-${id.system}-${id.id.replace(/[^A-Za-z0-9_-]+/g, '_')}`.slice(
    0,
    EXECUTION_NAME_MAX - hash.length - 1,
  );
  return `${readable}-${hash}`;
}

/** Key under which a workflow execution is recorded for a business record, e.g. `opportunity#salesforce#006...`. */
export function businessKey(kind: 'client' | 'opportunity' | 'project', id: ExternalId): string {
  return `${kind}#${id.system}#${id.id}`;
}

/**
 * The canonical id of the project a won opportunity becomes. psflow assigns it when the
 * activation starts, deterministically, so the execution is findable by project from the
 * first moment and ERP and PSA records can be mapped to it when they are created.
 */
export function projectIdFor(opportunityId: ExternalId): ExternalId {
  const hash = createHash('sha256')
    .update(`${opportunityId.system}\u0000${opportunityId.id}`)
    .digest('hex')
    .slice(0, 16);
  return { system: 'psflow', id: `prj-${hash}` };
}
