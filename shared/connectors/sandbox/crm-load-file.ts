import * as z from 'zod';
import { CrmAccountFacts, CrmOpportunityFacts, CrmStatementOfWork } from '../crm/crm-connector';

/** A file of CRM records to stage a scenario: `{ "accounts": [...], "opportunities": [...], "statementsOfWork": [...] }`. */
export const CrmLoadFile = z.object({
  accounts: z.array(CrmAccountFacts).default([]),
  opportunities: z.array(CrmOpportunityFacts).default([]),
  statementsOfWork: z.array(CrmStatementOfWork).default([]),
});
/** Typed {@link CrmLoadFile}. */
export type CrmLoadFile = z.infer<typeof CrmLoadFile>;
