import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  SANDBOX_LOAD_FILE_SCHEMA_PATH,
  SandboxLoadFile,
  sandboxLoadFileJsonSchema,
} from '../../shared/connectors/sandbox/staffing-load-file';

const ROOT = path.resolve(__dirname, '..', '..');
const EXAMPLE_PATH = 'samples/sandbox/staffing.example.json';

function readJson(relativePath: string): unknown {
  return JSON.parse(fs.readFileSync(path.join(ROOT, relativePath), 'utf8'));
}

describe('the sandbox load format with people, leave and bookings', () => {
  it('publishes the JSON Schema generated from the schema psflow sandbox load uses (npm run sandbox:schemas)', () => {
    // Prepare
    const expected = sandboxLoadFileJsonSchema();

    // Act
    const published = readJson(SANDBOX_LOAD_FILE_SCHEMA_PATH);

    // Assess
    expect(published).toEqual(expected);
  });

  it('loads the staffing example as written, with no field the loader would drop', () => {
    // Prepare
    const { $schema: schemaReference, ...example } = (readJson(EXAMPLE_PATH) ?? {}) as Record<string, unknown>;

    // Act
    const parsed = SandboxLoadFile.safeParse(example);

    // Assess
    expect(parsed.error?.issues).toBeUndefined();
    expect(parsed.data).toEqual({ accounts: [], opportunities: [], statementsOfWork: [], ...example });
    expect(path.normalize(path.join(path.dirname(EXAMPLE_PATH), String(schemaReference)))).toBe(
      path.normalize(SANDBOX_LOAD_FILE_SCHEMA_PATH),
    );
  });

  it.each([
    [
      'a proficiency above 5',
      { people: [{ skills: [{ skill: 'dbt', proficiency: 6 }] }] },
      'people.0.skills.0.proficiency',
    ],
    [
      'leave ending before it starts',
      { leave: [{ leaveId: 'x', personId: 'p', startDate: '2027-02-05', endDate: '2027-02-01' }] },
      'leave.0.endDate',
    ],
    [
      'a hold without an expiry',
      {
        bookings: [
          {
            bookingId: 'b',
            personId: 'p',
            projectId: 'j',
            kind: 'hold',
            startDate: '2027-01-04',
            endDate: '2027-01-08',
            hoursPerWeek: 8,
          },
        ],
      },
      'bookings.0.expiresAt',
    ],
    [
      'zero hours a week',
      {
        bookings: [
          {
            bookingId: 'b',
            personId: 'p',
            projectId: 'j',
            startDate: '2027-01-04',
            endDate: '2027-01-08',
            hoursPerWeek: 0,
          },
        ],
      },
      'bookings.0.hoursPerWeek',
    ],
  ])('refuses %s and names the path', (_case, file, expectedPath) => {
    // Act
    const parsed = SandboxLoadFile.safeParse(file);

    // Assess
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => issue.path.join('.'))).toContain(expectedPath);
  });
});
