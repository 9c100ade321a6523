import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  CrmDetailType,
  DiagnosticsDetailType,
  IntegrationsDetailType,
  PsflowSource,
  WorkflowDetailType,
} from '../../shared/events/catalogue';
import { breakingChanges } from '../../shared/events/compatibility';
import { detailJsonSchema, EVENT_CONTRACTS, publishedFileName } from '../../shared/events/contracts';

const projectRoot = path.resolve(__dirname, '..', '..');
const publishedDirectory = path.join(projectRoot, 'shared', 'events', 'published');

const opportunityWon = {
  opportunity: {
    opportunityId: { system: 'salesforce', id: '006Dn000004ABCDIA2' },
    client: {
      clientId: { system: 'salesforce', id: '001Dn000001XYZAIA4' },
      name: 'Müller & Söhne GmbH',
      region: 'EMEA',
    },
    name: 'Data platform modernisation',
    stage: 'Closed Won',
    amount: { amountMinor: 31_250_000, currency: 'EUR' },
    billingModel: 'fixed-fee',
    region: 'EMEA',
    practice: 'data-engineering',
    closeDate: '2026-11-20',
  },
  wonAt: '2026-11-20T10:15:00Z',
  dedupeKey: '0002-a7c1:12:006Dn000004ABCDIA2',
};

describe('published event contracts', () => {
  it.each(EVENT_CONTRACTS.map((contract) => [`${contract.name} v${contract.version}`, contract] as const))(
    'keeps %s compatible with its published schema',
    (_label, contract) => {
      // Prepare
      const file = path.join(publishedDirectory, publishedFileName(contract));
      if (!fs.existsSync(file))
        throw new Error(`${publishedFileName(contract)} is not published: run npm run events:publish`);

      // Act
      const problems = breakingChanges(JSON.parse(fs.readFileSync(file, 'utf8')), detailJsonSchema(contract));

      // Assess
      expect(problems).toEqual([]);
    },
  );

  it('gives every source and detail-type constant exactly one contract', () => {
    // Prepare
    const declared = [
      ...Object.values(DiagnosticsDetailType).map((detailType) => `${PsflowSource.Diagnostics}|${detailType}`),
      ...Object.values(CrmDetailType).map((detailType) => `${PsflowSource.Crm}|${detailType}`),
      ...Object.values(WorkflowDetailType).map((detailType) => `${PsflowSource.Workflow}|${detailType}`),
      ...Object.values(IntegrationsDetailType).map((detailType) => `${PsflowSource.Integrations}|${detailType}`),
    ].sort();

    // Act
    const contracted = EVENT_CONTRACTS.map((contract) => `${contract.source}|${contract.detailType}`).sort();

    // Assess
    expect(contracted).toEqual(declared);
    expect(new Set(EVENT_CONTRACTS.map((contract) => contract.name)).size).toBe(EVENT_CONTRACTS.length);
  });

  it('lists every contract in docs/events.md with its source, detail-type, version, producer and consumers', () => {
    // Prepare
    const catalogue = fs.readFileSync(path.join(projectRoot, 'docs', 'events.md'), 'utf8');

    // Act
    // Cells compared trimmed: the formatter pads table columns to line them up.
    const rows = catalogue.split('\n').map((line) =>
      line
        .split('|')
        .map((cell) => cell.trim())
        .join('|'),
    );
    const missing = EVENT_CONTRACTS.filter(
      (contract) =>
        !rows.includes(
          `|${contract.name}|\`${contract.source}\`|\`${contract.detailType}\`|${contract.version}|${contract.producer}|${contract.consumers.join(', ')}|`,
        ),
    ).map((contract) => contract.name);

    // Assess
    expect(missing).toEqual([]);
  });

  it('accepts a well-formed Opportunity Won detail and names the path of each hostile change', () => {
    // Prepare
    const contract = EVENT_CONTRACTS.find((candidate) => candidate.name === 'OpportunityWon');
    if (!contract) throw new Error('OpportunityWon contract is missing');
    const hostile: Array<[string, unknown]> = [
      [
        'opportunity.amount.amountMinor',
        {
          ...opportunityWon,
          opportunity: { ...opportunityWon.opportunity, amount: { amountMinor: 312500.5, currency: 'EUR' } },
        },
      ],
      [
        'opportunity.amount.currency',
        {
          ...opportunityWon,
          opportunity: { ...opportunityWon.opportunity, amount: { amountMinor: 1, currency: 'euro' } },
        },
      ],
      ['opportunity.region', { ...opportunityWon, opportunity: { ...opportunityWon.opportunity, region: 'EU' } }],
      [
        'opportunity.opportunityId.system',
        {
          ...opportunityWon,
          opportunity: { ...opportunityWon.opportunity, opportunityId: { system: 'excel', id: '1' } },
        },
      ],
      ['wonAt', { ...opportunityWon, wonAt: 'yesterday' }],
      ['dedupeKey', { ...opportunityWon, dedupeKey: undefined }],
    ];

    // Act
    const valid = contract.detail.safeParse(opportunityWon);
    const failures = hostile.map(([, detail]) => {
      const result = contract.detail.safeParse(detail);
      return result.success ? '(accepted)' : result.error.issues.map((issue) => issue.path.join('.')).join(',');
    });

    // Assess
    expect(valid.success).toBe(true);
    expect(failures).toEqual(hostile.map(([expectedPath]) => expectedPath));
  });
});

describe('breakingChanges', () => {
  const published = {
    type: 'object',
    properties: {
      id: { type: 'string' },
      amount: { type: 'integer' },
      status: { type: 'string', enum: ['open', 'closed'] },
      lines: { type: 'array', items: { type: 'object', properties: { sku: { type: 'string' } } } },
    },
  };

  it('accepts an added field and an integer widened to number', () => {
    // Act
    const problems = breakingChanges(published, {
      ...published,
      properties: { ...published.properties, amount: { type: 'number' }, note: { type: 'string' } },
    });

    // Assess
    expect(problems).toEqual([]);
  });

  it('reports a removed field, a retyped field, a dropped enum value and a retyped array item field', () => {
    // Prepare
    const { id: _removed, ...rest } = published.properties;
    const current = {
      type: 'object',
      properties: {
        ...rest,
        amount: { type: 'string' },
        status: { type: 'string', enum: ['open'] },
        lines: { type: 'array', items: { type: 'object', properties: { sku: { type: 'number' } } } },
      },
    };

    // Act
    const problems = breakingChanges(published, current);

    // Assess
    expect(problems).toEqual([
      '$.id: field removed',
      '$.amount: type changed from integer to string',
      '$.status: enum value "closed" removed',
      '$.lines[].sku: type changed from string to number',
    ]);
  });
});
