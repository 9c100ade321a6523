import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { PsflowStack } from '../../infra/psflow-stack';
import { apiCatalogue } from '../../shared/integrations/api-catalogue';
import { parseConnectorSelection, selectConnectors } from '../../shared/integrations/connector-selection';
import { NO_BUNDLING } from '../support/no-bundling';

const STAGE = 'test';

/** A stack without bundling: these tests read environment and IAM, not code. */
function synth(connectors: string): Template {
  const app = new App({ context: NO_BUNDLING });
  const stack = new PsflowStack(app, `psflow-${STAGE}`, {
    stage: STAGE,
    connectors: parseConnectorSelection(connectors),
  });
  return Template.fromStack(stack);
}

function functionEnvironment(template: Template, name: string): Record<string, unknown> {
  const functions = template.findResources('AWS::Lambda::Function', {
    Properties: { FunctionName: `psflow-${STAGE}-${name}` },
  });
  const [resource] = Object.values(functions);
  if (!resource) throw new Error(`no function ${name}`);
  const properties: { Environment?: { Variables?: Record<string, unknown> } } = resource.Properties;
  return properties.Environment?.Variables ?? {};
}

function secretGrants(template: Template): string[] {
  return JSON.stringify(template.toJSON())
    .split('"secretsmanager:GetSecretValue"')
    .slice(1)
    .map((rest) => /secret:(psflow\/[^"]+)/.exec(rest)?.[1] ?? 'unknown');
}

/** Every named function gets the port, the integration state table and the connector's secret; nobody else gets that secret. */
function expectBoundTo(template: Template, names: readonly string[], port: string, secret: string): void {
  for (const name of names) {
    const environment = functionEnvironment(template, name);
    expect({ name, ports: environment.PSFLOW_CONNECTOR_PORTS, state: environment.INTEGRATION_STATE_TABLE }).toEqual({
      name,
      ports: expect.stringContaining(port),
      state: expect.anything(),
    });
  }
  expect(secretGrants(template).filter((grant) => grant.includes(secret))).toHaveLength(names.length);
}

describe('integrations in the CDK app', () => {
  it('passes the sandbox choice to every function that builds a connector, and grants no connector secret', () => {
    // Prepare, Act
    const template = synth('');

    // Assess
    expect(functionEnvironment(template, 'prepare-engagement').PSFLOW_CONNECTORS).toBe(
      'crm=sandbox,erp=sandbox,psa=sandbox,documents=sandbox',
    );
    expect(functionEnvironment(template, 'ingest-event').PSFLOW_CONNECTORS).toBeDefined();
    expect(functionEnvironment(template, 'file-exception').PSFLOW_CONNECTORS).toBeUndefined();
    expect(secretGrants(template)).toEqual([`psflow/${STAGE}/webhook-crm-??????`]);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: `psflow-${STAGE}-integration-state`,
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  it('grants the Salesforce secret, the state table and the bus to exactly the CRM users when Salesforce is chosen', () => {
    // Prepare, Act
    const template = synth('crm=salesforce');

    // Assess
    const ingest = functionEnvironment(template, 'ingest-event');
    expect(ingest.PSFLOW_CONNECTORS).toBe('crm=salesforce,erp=sandbox,psa=sandbox,documents=sandbox');
    expect(ingest.INTEGRATION_STATE_TABLE).toBeDefined();
    expect(functionEnvironment(template, 'prepare-engagement').INTEGRATION_STATE_TABLE).toBeDefined();
    // Staffing reads the account to learn a request's region when the event carries none: it too calls Salesforce.
    expect(functionEnvironment(template, 'prepare-staffing-request').INTEGRATION_STATE_TABLE).toBeDefined();
    expect(functionEnvironment(template, 'provision-erp-project').INTEGRATION_STATE_TABLE).toBeUndefined();
    expect(secretGrants(template).sort()).toEqual([
      `psflow/${STAGE}/salesforce-??????`,
      `psflow/${STAGE}/salesforce-??????`,
      `psflow/${STAGE}/salesforce-??????`,
      `psflow/${STAGE}/webhook-crm-??????`,
    ]);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Action: 'secretsmanager:GetSecretValue' })]),
      },
    });
  });

  it('binds Kantata to every function that builds a PSA interface when Kantata is chosen, and to no other', () => {
    // Prepare, Act
    const template = synth('psa=kantata');

    // Assess
    const psaUsers = [
      'provision-psa-project',
      'compensate-activation',
      'check-project-readiness',
      'close-billing-cycle',
      'prepare-staffing-request',
      'recommend-candidates',
      'place-soft-holds',
      'book-assignment',
      'close-staffing-request',
      'release-expired-holds',
    ];
    expectBoundTo(template, psaUsers, 'psa', 'kantata');
    expect(functionEnvironment(template, 'provision-erp-project').INTEGRATION_STATE_TABLE).toBeUndefined();
  });

  it('grants the Business Central secret to the functions that draft and void invoices and raise or cancel POs when Business Central is chosen', () => {
    // Prepare, Act
    const template = synth('erp=business-central');

    // Assess
    const erpUsers = [
      'provision-erp-project',
      'set-up-billing',
      'compensate-activation',
      'draft-invoice',
      'void-invoice-draft',
      'assess-purchase',
      'raise-purchase-order',
      'compensate-purchase',
    ];
    expectBoundTo(template, erpUsers, 'erp', 'business-central');
    expect(functionEnvironment(template, 'check-project-readiness').INTEGRATION_STATE_TABLE).toBeUndefined();
    expect(functionEnvironment(template, 'add-bookable-resource').INTEGRATION_STATE_TABLE).toBeUndefined();
  });

  it('fails synth when a chosen connector calls an API the catalogue does not hold', () => {
    // Prepare
    const catalogue = { ...apiCatalogue(), apis: apiCatalogue().apis.filter((api) => api.apiId !== 'salesforce-rest') };
    const app = new App({ context: NO_BUNDLING });

    // Act
    const build = () =>
      new PsflowStack(app, 'psflow-broken', {
        stage: 'broken',
        connectors: parseConnectorSelection('crm=salesforce'),
        apiCatalogue: catalogue,
      });

    // Assess
    expect(build).toThrow(/API salesforce-rest is not in the API catalogue v1/);
  });

  it('fails synth when the catalogue records another version than the connector speaks', () => {
    // Prepare
    const catalogue = {
      ...apiCatalogue(),
      apis: apiCatalogue().apis.map((api) => (api.apiId === 'salesforce-rest' ? { ...api, version: 'v61.0' } : api)),
    };
    const app = new App({ context: NO_BUNDLING });

    // Act
    const build = () =>
      new PsflowStack(app, 'psflow-old', {
        stage: 'old',
        connectors: parseConnectorSelection('crm=salesforce'),
        apiCatalogue: catalogue,
      });

    // Assess
    expect(build).toThrow(/speaks salesforce-rest v62.0, but the API catalogue v1 records v61.0/);
  });

  it('reads the stage file and lets -c connectors override it, refusing unknown ports and connectors', () => {
    // Prepare
    const config = { policy: 'connectors', version: 1, description: 'x', stages: { uat: { crm: 'salesforce' } } };

    // Act
    const uat = selectConnectors('uat', undefined, config);
    const overridden = selectConnectors('uat', 'crm=sandbox,psa=kantata', config);
    const other = selectConnectors('dev', undefined, config);

    // Assess
    expect(uat.crm).toBe('salesforce');
    expect(overridden).toMatchObject({ crm: 'sandbox', psa: 'kantata' });
    expect(other.crm).toBe('sandbox');
    expect(() => selectConnectors('dev', 'hr=workday', config)).toThrow(/unknown port "hr"/);
    expect(() => selectConnectors('dev', 'crm=hubspot', config)).toThrow(/no connector "hubspot" for crm/);
    expect(() => selectConnectors('dev', 'crm', config)).toThrow(/"crm" is not PORT=CONNECTOR/);
  });
});
