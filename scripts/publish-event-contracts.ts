import * as fs from 'node:fs';
import * as path from 'node:path';
import * as prettier from 'prettier';
import { breakingChanges } from '../shared/events/compatibility';
import { detailJsonSchema, EVENT_CONTRACTS, publishedFileName } from '../shared/events/contracts';

/**
 * `npm run events:publish`: writes the JSON Schema of every contract version that has not
 * been published yet to shared/events/published/. A published version is never rewritten:
 * compatible additions update it in place, a breaking change is refused with its paths. It also
 * rewrites the catalogue table in docs/events.md from the contracts, so the table never drifts
 * from the producers and consumers the code declares.
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

/** The catalogue table of docs/events.md, one row per contract, in the contracts' order. */
async function writeCatalogueTable(): Promise<void> {
  const file = path.resolve(__dirname, '..', 'docs', 'events.md');
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const start = lines.findIndex((line) => /^\|\s*event\s*\|/.test(line));
  if (start < 0) throw new Error(`${file} has no catalogue table (a header row starting with "| event |")`);
  let end = start;
  while (end < lines.length && lines[end].startsWith('|')) end++;
  const rows = [
    '| event | source | detail-type | version | producer | consumers |',
    '| --- | --- | --- | ---: | --- | --- |',
    ...EVENT_CONTRACTS.map(
      (contract) =>
        `| ${contract.name} | \`${contract.source}\` | \`${contract.detailType}\` | ${contract.version} | ${contract.producer} | ${contract.consumers.join(', ')} |`,
    ),
  ];
  const text = [...lines.slice(0, start), ...rows, ...lines.slice(end)].join('\n');
  const options = (await prettier.resolveConfig(file)) ?? {};
  fs.writeFileSync(file, await prettier.format(text, { ...options, filepath: file }));
  console.log(`wrote the catalogue table in ${path.relative(process.cwd(), file)}`);
}

void writeCatalogueTable().then(
  () => process.exit(failed ? 1 : 0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
