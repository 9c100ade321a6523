import * as z from 'zod';
import { RoleLine } from '../../model/entities';

/**
 * The CRM connector port. Adapters and workflows read opportunities and accounts through
 * it, never through a vendor SDK, so the sandbox CRM and a real Salesforce connector are
 * interchangeable (design decision 8).
 *
 * Records are "facts": every field optional, because a CRM may not know a field yet and
 * change events carry only what changed. Amounts stay in major units with their currency
 * until both are known, since minor units depend on the currency.
 */

/** What the CRM knows about an opportunity, in psflow's vocabulary. */
export const CrmOpportunityFacts = z.object({
  opportunityId: z.string().min(1),
  accountId: z.string().min(1).nullable().optional(),
  name: z.string().nullable().optional(),
  stage: z.string().nullable().optional(),
  isWon: z.boolean().nullable().optional(),
  isClosed: z.boolean().nullable().optional(),
  /** Major units, as CRMs store currency fields. */
  amount: z.number().nullable().optional(),
  currency: z.string().nullable().optional(),
  closeDate: z.string().nullable().optional(),
  region: z.string().nullable().optional(),
  practice: z.string().nullable().optional(),
  billingModel: z.string().nullable().optional(),
  startDate: z.string().nullable().optional(),
  endDate: z.string().nullable().optional(),
  discountPercent: z.number().nullable().optional(),
  dealType: z.string().nullable().optional(),
  ownerEmail: z.string().nullable().optional(),
});
/** Typed {@link CrmOpportunityFacts}. */
export type CrmOpportunityFacts = z.infer<typeof CrmOpportunityFacts>;

/** What the CRM knows about an account (the client). */
export const CrmAccountFacts = z.object({
  accountId: z.string().min(1),
  name: z.string().nullable().optional(),
  region: z.string().nullable().optional(),
  /** True until the firm has delivered a first project for the account. */
  isNewClient: z.boolean().nullable().optional(),
});
/** Typed {@link CrmAccountFacts}. */
export type CrmAccountFacts = z.infer<typeof CrmAccountFacts>;

/** The statement of work the CRM holds for an opportunity: the role lines to staff and bill. */
export const CrmStatementOfWork = z.object({
  opportunityId: z.string().min(1),
  roleLines: z.array(RoleLine).min(1),
});
/** Typed {@link CrmStatementOfWork}. */
export type CrmStatementOfWork = z.infer<typeof CrmStatementOfWork>;

/**
 * Reads from the CRM. Implementations throw {@link RetryableConnectorError} for transient
 * failures and return `undefined` for a record that does not exist.
 */
export interface CrmConnector {
  /** The system the ids belong to, recorded on every canonical id built from them. */
  readonly system: 'salesforce' | 'crm';
  getOpportunity(opportunityId: string): Promise<CrmOpportunityFacts | undefined>;
  getAccount(accountId: string): Promise<CrmAccountFacts | undefined>;
  getStatementOfWork(opportunityId: string): Promise<CrmStatementOfWork | undefined>;
}
