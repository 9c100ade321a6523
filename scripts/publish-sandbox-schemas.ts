import * as fs from 'node:fs';
import * as path from 'node:path';
import { CRM_LOAD_FILE_SCHEMA_PATH, crmLoadFileJsonSchema } from '../shared/connectors/sandbox/crm-load-file';

/**
 * `npm run sandbox:schemas`: writes the JSON Schema of each sandbox load format from the zod
 * schema its loader uses. A unit test fails when a published file differs from its schema.
 */
const file = path.resolve(__dirname, '..', CRM_LOAD_FILE_SCHEMA_PATH);
fs.mkdirSync(path.dirname(file), { recursive: true });
fs.writeFileSync(file, `${JSON.stringify(crmLoadFileJsonSchema(), null, 2)}\n`);
console.log(`published ${path.relative(process.cwd(), file)}`);
