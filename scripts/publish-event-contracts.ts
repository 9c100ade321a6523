import * as fs from 'node:fs';
import * as path from 'node:path';
import { breakingChanges } from '../shared/events/compatibility';
import { detailJsonSchema, EVENT_CONTRACTS, publishedFileName } from '../shared/events/contracts';

/**
 * `npm run events:publish`: writes the JSON Schema of every contract version that has not
 * been published yet to shared/events/published/. A published version is never rewritten:
 * compatible additions update it in place, a breaking change is refused with its paths.
 */
const directory = path.resolve(__dirname, '..', 'shared', 'events', 'published');
fs.mkdirSync(directory, { recursive: true });
let failed = false;
for (const contract of EVENT_CONTRACTS) {
  const file = path.join(directory, publishedFileName(contract));
  const current = detailJsonSchema(contract);
  if (fs.existsSync(file)) {
    const problems = breakingChanges(JSON.parse(fs.readFileSync(file, 'utf8')), current);
    if (problems.length > 0) {
      failed = true;
      console.error(
        `${contract.name} v${contract.version}: breaking change, publish it as v${contract.version + 1} instead:\n  ${problems.join('\n  ')}`,
      );
      continue;
    }
  }
  fs.writeFileSync(file, `${JSON.stringify(current, null, 2)}\n`);
  console.log(`published ${path.relative(process.cwd(), file)}`);
}
process.exit(failed ? 1 : 0);
