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

/** Where the load format's JSON Schema is published, relative to the repository root. */
export const CRM_LOAD_FILE_SCHEMA_PATH = 'docs/schemas/sandbox-crm.schema.json';

/**
 * The JSON Schema of {@link CrmLoadFile} as a file's author writes it: the input side, so the
 * lists that default to empty are optional. Generated from the zod schema the loader uses, so
 * the published file (`npm run sandbox:schemas`) cannot describe another format.
 */
export function crmLoadFileJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(CrmLoadFile, { io: 'input', target: 'draft-2020-12' }),
    title: 'psflow sandbox CRM load file',
    description:
      'Accounts, opportunities and statements of work for `psflow sandbox load FILE`; a record replaces the one with the same id.',
  };
}
