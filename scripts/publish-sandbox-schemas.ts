import * as fs from 'node:fs';
import * as path from 'node:path';
import { CRM_LOAD_FILE_SCHEMA_PATH, crmLoadFileJsonSchema } from '../shared/connectors/sandbox/crm-load-file';
import {
  SANDBOX_LOAD_FILE_SCHEMA_PATH,
  sandboxLoadFileJsonSchema,
} from '../shared/connectors/sandbox/staffing-load-file';
import {
  BILLING_LOAD_FILE_SCHEMA_PATH,
  billingLoadFileJsonSchema,
} from '../shared/connectors/sandbox/billing-load-file';

/**
 * `npm run sandbox:schemas`: writes the JSON Schema of each sandbox load format from the zod
 * schema its loader uses. A unit test fails when a published file differs from its schema.
 */
for (const [relative, schema] of [
  [CRM_LOAD_FILE_SCHEMA_PATH, crmLoadFileJsonSchema()],
  [SANDBOX_LOAD_FILE_SCHEMA_PATH, sandboxLoadFileJsonSchema()],
  [BILLING_LOAD_FILE_SCHEMA_PATH, billingLoadFileJsonSchema()],
] as const) {
  const file = path.resolve(__dirname, '..', relative);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(schema, null, 2)}\n`);
  console.log(`published ${path.relative(process.cwd(), file)}`);
}
