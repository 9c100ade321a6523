/**
 * Event sources and detail-types that psflow emits or consumes.
 *
 * Producers, EventBridge rules and tests import these constants, so a renamed event
 * breaks the build instead of silently matching nothing.
 */

/** The `source` of every event psflow itself emits. */
export const PsflowSource = {
  /** Operational self-checks of a deployed stage. */
  Diagnostics: 'psflow.diagnostics',
  /** Canonical CRM events, after the source adapters normalised them. */
  Crm: 'psflow.crm',
  /** Events of the psflow workflows themselves. */
  Workflow: 'psflow.workflow',
  /** Canonical events of psflow's own PSA integration. */
  Psa: 'psflow.psa',
  /** Canonical events of psflow's own HR integration. */
  Hr: 'psflow.hr',
  /** Canonical events of psflow's own ERP integration. */
  Erp: 'psflow.erp',
  /** psflow's integration layer: the health of the external APIs it calls. */
  Integrations: 'psflow.integrations',
} as const;

/**
 * Sources psflow's own workflows emit. Ingestion ignores them: they are outputs, already
 * validated by their producers, and feeding them back would loop.
 */
export const PSFLOW_EMITTED_SOURCES: readonly string[] = [
  PsflowSource.Diagnostics,
  PsflowSource.Workflow,
  PsflowSource.Integrations,
];

/**
 * Source prefixes of Salesforce change data capture. Event Relay uses the partner event
 * source `aws.partner/salesforce.com/<orgId>/<channelId>`; AppFlow uses
 * `aws.partner/appflow/salesforce.com/<account>/<flow>`.
 */
export const SalesforceSourcePrefix = {
  EventRelay: 'aws.partner/salesforce.com/',
  AppFlow: 'aws.partner/appflow/salesforce.com/',
} as const;

/** Detail-types of Salesforce change events: the change event's name. */
export const SalesforceDetailType = {
  OpportunityChangeEvent: 'OpportunityChangeEvent',
} as const;

/** Union of every known psflow source. */
export type PsflowSourceName = (typeof PsflowSource)[keyof typeof PsflowSource];

/** Detail-types under `psflow.diagnostics`. */
export const DiagnosticsDetailType = {
  /** Asks the stage to prove that bus, rule, state machine, Lambda and table are wired. */
  ProbeRequested: 'Probe Requested',
} as const;

/** Detail-types under `psflow.crm`. */
export const CrmDetailType = {
  /** An opportunity moved into a won stage; starts project activation. */
  OpportunityWon: 'Opportunity Won',
} as const;

/** Detail-types under `psflow.workflow`. */
export const WorkflowDetailType = {
  /** A project exists in ERP and PSA with budget, roles, billing rules and onboarding. */
  ProjectActivated: 'Project Activated',
  /** One role line of a statement of work needs staffing. */
  ResourceRequested: 'Resource Requested',
  /** Nobody in the firm fits a role line; procurement sources a subcontractor for it. */
  SubcontractorRequested: 'Subcontractor Requested',
  /** A purchase order was raised in the ERP after approval; carries the PO cycle time. */
  PurchaseOrderIssued: 'Purchase Order Issued',
  /** A new vendor passed onboarding (documents checked) and is active. */
  VendorOnboarded: 'Vendor Onboarded',
  /** A role line is staffed: people hard-booked in the PSA after approval and confirmation. */
  ResourceAssigned: 'Resource Assigned',
  /** Nobody fits a role line; the staffing manager chooses how to resolve it. */
  StaffingRequestUnfilled: 'Staffing Request Unfilled',
  /** A human task passed its due time: reminded at the first breach, escalated after. */
  ApprovalSlaBreached: 'Approval SLA Breached',
  /** An exception's owner did not act in time: reminded at the first breach, escalated after. */
  ExceptionSlaBreached: 'Exception SLA Breached',
  /** A person approved or rejected one level of an approval request. */
  ApprovalDecided: 'Approval Decided',
  /** A step failed after its retries and was filed as an exception for its owner. */
  ExceptionFiled: 'Exception Filed',
  /** An exception's owner retried, skipped with evidence or aborted. */
  ExceptionResolved: 'Exception Resolved',
  /** A project was checked for billing readiness: ready or blocked, with blockers by prerequisite and owner. */
  ProjectReadinessChecked: 'Project Readiness Checked',
  /** A ready project's invoice draft exists in the ERP. */
  InvoiceDrafted: 'Invoice Drafted',
  /** A billing cycle reached its cut-off: drafted, carried and unknown projects counted. */
  BillingCycleClosed: 'Billing Cycle Closed',
  /** An operator asks for a project's readiness to be checked again. */
  BillingRecheckRequested: 'Billing Recheck Requested',
  /** A billing task's owner did not fix the prerequisite by its due time: reminded first, escalated after. */
  BillingTaskSlaBreached: 'Billing Task SLA Breached',
  /** Every approval level of a project change approved; carries the change approval cycle time. */
  ChangeApproved: 'Change Approved',
  /** An approved change is applied: new ERP baseline version, PSA plan, billing, bookings; carries the margin impact. */
  ChangeApplied: 'Change Applied',
  /** An approver rejected a project change; nothing was applied. */
  ChangeRejected: 'Change Rejected',
} as const;

/** Detail-types under `psflow.psa`: changes to running projects, and fixes to billing prerequisites. */
export const PsaDetailType = {
  /** A change to a running project (scope, end date, role lines, hours, rates, budget); starts change control. */
  ChangeRequested: 'Change Requested',
  /** Fixes to billing prerequisites, which re-check the project. */
  TimeEntryApproved: 'Time Entry Approved',
  ExpenseApproved: 'Expense Approved',
  MilestoneAccepted: 'Milestone Accepted',
} as const;

/** Detail-types under `psflow.integrations`. */
export const IntegrationsDetailType = {
  /** An external API's circuit breaker opened: psflow stops calling it for a while. */
  IntegrationDegraded: 'Integration Degraded',
} as const;
