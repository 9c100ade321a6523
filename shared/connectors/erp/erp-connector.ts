import type { Money } from '../../model/primitives';

/** A project as the ERP knows it. */
export interface ErpProject {
  readonly erpProjectId: string;
  readonly status: 'open' | 'closed';
}

/** What the ERP needs to open a project with its cost structure. */
export interface ErpProjectRequest {
  readonly psflowProjectId: string;
  readonly name: string;
  readonly clientId: string;
  readonly region: string;
  readonly practice: string;
  /** Cost centres the project books to, one per role line. */
  readonly costCentres: readonly { readonly code: string; readonly role: string; readonly plannedHours: number }[];
}

/** A billing arrangement: a rate card for time and materials, a milestone schedule for fixed fee. */
export type BillingArrangement =
  | { readonly kind: 'rate-card'; readonly rates: readonly { readonly role: string; readonly rate: Money }[] }
  | {
      readonly kind: 'milestone-schedule';
      readonly milestones: readonly { readonly name: string; readonly dueDate: string; readonly amount: Money }[];
    };

/**
 * The ERP port: projects, budgets and billing, later purchase orders and invoice drafts.
 * Every write takes an idempotency key; compensation closes or voids, never deletes.
 */
export interface ErpConnector {
  createProject(idempotencyKey: string, request: ErpProjectRequest): Promise<ErpProject>;
  setBudgetBaseline(
    idempotencyKey: string,
    erpProjectId: string,
    budget: Money,
    psflowProjectId: string,
  ): Promise<{ baselineId: string }>;
  setBilling(
    idempotencyKey: string,
    erpProjectId: string,
    billing: BillingArrangement,
    psflowProjectId: string,
  ): Promise<{ billingId: string }>;
  /**
   * Compensation for everything the ERP holds for a psflow project, in reverse order of
   * creation: billing voided, then the project closed. Budgets stay as recorded.
   */
  compensateProject(psflowProjectId: string, reason: string): Promise<string[]>;
  /** Compensation: the project stays on record, closed, with the reason. */
  closeProject(idempotencyKey: string, erpProjectId: string, reason: string): Promise<ErpProject>;
  /** Compensation: the billing arrangement stays on record, void. */
  voidBilling(
    idempotencyKey: string,
    billingId: string,
    reason: string,
  ): Promise<{ billingId: string; status: 'void' }>;
}
