import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  CRM_LOAD_FILE_SCHEMA_PATH,
  CrmLoadFile,
  crmLoadFileJsonSchema,
} from '../../shared/connectors/sandbox/crm-load-file';

const ROOT = path.resolve(__dirname, '..', '..');
const EXAMPLE_PATH = 'samples/sandbox/crm.example.json';

function readJson(relativePath: string): unknown {
  return JSON.parse(fs.readFileSync(path.join(ROOT, relativePath), 'utf8'));
}

describe('the sandbox CRM load format', () => {
  it('publishes the JSON Schema generated from the schema psflow sandbox load uses (npm run sandbox:schemas)', () => {
    // Prepare
    const expected = crmLoadFileJsonSchema();

    // Act
    const published = readJson(CRM_LOAD_FILE_SCHEMA_PATH);

    // Assess
    expect(published).toEqual(expected);
  });

  it('loads the example file as written, with no field the loader would drop', () => {
    // Prepare
    const { $schema: schemaReference, ...example } = (readJson(EXAMPLE_PATH) ?? {}) as Record<string, unknown>;

    // Act
    const parsed = CrmLoadFile.safeParse(example);

    // Assess
    expect(parsed.error?.issues).toBeUndefined();
    expect(parsed.data).toEqual(example);
    expect(path.normalize(path.join(path.dirname(EXAMPLE_PATH), String(schemaReference)))).toBe(
      path.normalize(CRM_LOAD_FILE_SCHEMA_PATH),
    );
  });

  it('describes each list the example uses, and every field its records carry', () => {
    // Prepare
    const schema = crmLoadFileJsonSchema() as {
      properties: Record<string, { items: { properties: Record<string, unknown> } }>;
    };
    const { $schema: _reference, ...example } = readJson(EXAMPLE_PATH) as Record<
      string,
      Array<Record<string, unknown>>
    >;

    // Act
    const undescribed = Object.entries(example).flatMap(([list, records]) =>
      schema.properties[list] === undefined
        ? [list]
        : records.flatMap((item) =>
            Object.keys(item)
              .filter((field) => schema.properties[list].items.properties[field] === undefined)
              .map((field) => `${list}.${field}`),
          ),
    );

    // Assess
    expect(undescribed).toEqual([]);
    expect(Object.keys(example).sort()).toEqual(['accounts', 'opportunities', 'statementsOfWork']);
  });
});
