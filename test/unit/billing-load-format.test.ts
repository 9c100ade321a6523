import * as fs from 'node:fs';
import * as path from 'node:path';
import { cutOffAt, parsePeriod } from '../../shared/billing/billing-calendar';
import { currentBillingPolicy, FindingCode } from '../../shared/billing/billing-policy';
import { checkReadiness, unknownProjectFinding } from '../../shared/billing/readiness';
import {
  BILLING_LOAD_FILE_SCHEMA_PATH,
  BillingLoadFile,
  billingLoadFileJsonSchema,
} from '../../shared/connectors/sandbox/billing-load-file';

const ROOT = path.resolve(__dirname, '..', '..');
const EXAMPLE_PATH = 'samples/sandbox/billing.example.json';

function readJson(relativePath: string): unknown {
  return JSON.parse(fs.readFileSync(path.join(ROOT, relativePath), 'utf8'));
}

function example(): Record<string, unknown> {
  const { $schema: _reference, ...data } = readJson(EXAMPLE_PATH) as Record<string, unknown>;
  return data;
}

describe('the sandbox billing load format', () => {
  it('publishes the JSON Schema generated from the schema psflow sandbox load uses (npm run sandbox:schemas)', () => {
    // Act
    const published = readJson(BILLING_LOAD_FILE_SCHEMA_PATH);

    // Assess
    expect(published).toEqual(billingLoadFileJsonSchema());
  });

  it('loads the example file with no field the loader would drop', () => {
    // Prepare
    const data = example();

    // Act
    const parsed = BillingLoadFile.safeParse(data);

    // Assess
    expect(parsed.error?.issues).toBeUndefined();
    const roundTrip = (records: unknown): unknown => JSON.parse(JSON.stringify(records));
    for (const section of ['timeEntries', 'expenses', 'milestones'] as const)
      expect(roundTrip(parsed.data?.[section])).toEqual(
        (data[section] as Array<Record<string, unknown>>).map((record) => expect.objectContaining(record)),
      );
  });

  it('refuses a malformed record, naming its path', () => {
    // Prepare
    const data = example();
    const entries = data.timeEntries as Array<Record<string, unknown>>;
    entries[2] = { ...entries[2], date: '2026-11-31', status: 'maybe' };

    // Act
    const parsed = BillingLoadFile.safeParse(data);

    // Assess
    expect(parsed.error?.issues.map((issue) => issue.path.join('.')).sort()).toEqual([
      'timeEntries.2.date',
      'timeEntries.2.status',
    ]);
  });
});

describe('the billing demo cycle (EMEA, 2026-11)', () => {
  const calendar = currentBillingPolicy().calendars.EMEA;
  const period = parsePeriod('2026-11', calendar);
  const file = BillingLoadFile.parse(example());
  const results = file.billingProjects.map((project) =>
    checkReadiness({
      project,
      period,
      calendar,
      cutOffAt: cutOffAt(period, calendar),
      records: {
        timeEntries: file.timeEntries.filter((entry) => entry.projectId === project.projectId),
        expenses: file.expenses.filter((expense) => expense.projectId === project.projectId),
        milestones: file.milestones.filter((milestone) => milestone.projectId === project.projectId),
      },
      assignments: file.billingAssignments.filter((assignment) => assignment.projectId === project.projectId),
      leave: Object.fromEntries(
        file.billingAssignments.map((assignment) => [assignment.personId, assignment.leaveDates]),
      ),
      policy: currentBillingPolicy(),
    }),
  );

  it('has ready and blocked projects', () => {
    // Act
    const ready = results.filter((result) => result.ready).map((result) => result.projectId);

    // Assess
    expect(ready).toEqual(['P-ACME-TM', 'P-BETA-FF', 'P-GAMMA-RET']);
    expect(results.filter((result) => !result.ready)).toHaveLength(8);
  });

  it('shows every blocking reason at least once', () => {
    // Prepare
    const known = new Set(file.billingProjects.map((project) => project.projectId));
    const ghost = [...new Set(file.timeEntries.map((entry) => entry.projectId))].filter((id) => !known.has(id));

    // Act
    const codes = new Set([
      ...results.flatMap((result) =>
        result.findings.filter((finding) => finding.blocks).map((finding) => finding.code),
      ),
      ...ghost.map(
        (projectId) =>
          unknownProjectFinding(
            projectId,
            {
              timeEntries: file.timeEntries.filter((entry) => entry.projectId === projectId),
              expenses: [],
              milestones: [],
            },
            new Date(),
            currentBillingPolicy(),
          ).code,
      ),
    ]);

    // Assess
    const blocking = FindingCode.options.filter((code) => currentBillingPolicy().rules.findings[code].blocks);
    expect(blocking.filter((code) => !codes.has(code))).toEqual([]);
  });
});
