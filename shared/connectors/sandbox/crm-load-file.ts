import { z } from 'zod';
import { CrmAccountFacts, CrmOpportunityFacts } from '../crm/crm-connector';

/** A file of CRM records to stage a scenario: `{ "accounts": [...], "opportunities": [...] }`. */
export const CrmLoadFile = z.object({
  accounts: z.array(CrmAccountFacts).default([]),
  opportunities: z.array(CrmOpportunityFacts).default([]),
});
/** Typed {@link CrmLoadFile}. */
export type CrmLoadFile = z.infer<typeof CrmLoadFile>;
