import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  dependencyMapBlock,
  dependencyMapOf,
  embeddedDependencyMap,
  renderDependencyMermaid,
  renderDependencyText,
} from '../../shared/integrations/dependency-map';

const ROOT = path.resolve(__dirname, '..', '..');

function devTemplate(): Record<string, unknown> {
  const parsed: unknown = JSON.parse(fs.readFileSync(path.join(ROOT, 'cdk.out', 'psflow-dev.template.json'), 'utf8'));
  if (typeof parsed !== 'object' || parsed === null) throw new Error('no template');
  return Object.fromEntries(Object.entries(parsed));
}

function block(template: Record<string, unknown>): string {
  const map = dependencyMapOf(template);
  return dependencyMapBlock(renderDependencyText(map), renderDependencyMermaid(map));
}

describe('the dependency map', () => {
  it('is generated from the app: each step to its port, connector and API, and the events between workflows', () => {
    // Prepare, Act
    const map = dependencyMapOf(devTemplate());

    // Assess
    expect(map.steps).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          workflow: 'project-activation',
          step: 'PrepareEngagement',
          port: 'crm',
          connector: 'sandbox',
          api: 'sandbox-dynamodb 2012-08-10',
        }),
        expect.objectContaining({ workflow: 'project-activation', step: 'ProvisionErpProject', port: 'erp' }),
        expect.objectContaining({ workflow: 'rule', step: 'ingest-event', port: 'crm' }),
      ]),
    );
    expect(map.events).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          producer: expect.stringMatching(/^project-activation\//),
          detailType: 'Project Activated',
        }),
      ]),
    );
  });

  it('draws ingestion starting project activation, and every other direct start of a workflow', () => {
    // Prepare
    const template = devTemplate();

    // Act
    const map = dependencyMapOf(template);

    // Assess
    expect(map.starts).toEqual(
      expect.arrayContaining([
        { starter: 'rule/ingest-event', functionName: 'ingest-event', workflow: 'project-activation' },
        {
          starter: 'billing-readiness/StartProjectChecks',
          functionName: 'start-project-checks',
          workflow: 'billing-readiness-project',
        },
      ]),
    );
    expect(renderDependencyText(map)).toContain(
      'rule/ingest-event [ingest-event] -> StartExecution -> project-activation',
    );
    expect(renderDependencyMermaid(map)).toContain('fn_ingest_event == starts ==> wf_project_activation');
  });

  it('is embedded in docs/architecture.md exactly as the app generates it (run npm run integrations:map after a change)', () => {
    // Prepare
    const document = fs.readFileSync(path.join(ROOT, 'docs', 'architecture.md'), 'utf8');

    // Act
    const embedded = embeddedDependencyMap(document);

    // Assess
    expect(embedded).toBe(block(devTemplate()));
  });

  it('changes when a step changes its connector, so the embedded map goes stale', () => {
    // Prepare
    const template = devTemplate();
    const changed = JSON.parse(
      JSON.stringify(template).replace(/"PSFLOW_CONNECTORS":"crm=sandbox,/g, '"PSFLOW_CONNECTORS":"crm=salesforce,'),
    ) as Record<string, unknown>;

    // Act
    const before = block(template);
    const after = block(changed);

    // Assess
    expect(after).not.toBe(before);
    expect(after).toMatch(/PrepareEngagement \[prepare-engagement\] -> crm -> salesforce -> salesforce-rest v62\.0/);
  });
});
