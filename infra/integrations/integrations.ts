import { ArnFormat, Aspects, Stack, Validations } from 'aws-cdk-lib';
import { HttpMethod, HttpNoneAuthorizer, type HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { CfnTable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Construct, type IConstruct } from 'constructs';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { apiCatalogue, type ApiCatalogue, type ConnectorPort } from '../../shared/integrations/api-catalogue';
import {
  checkSelectionAgainstCatalogue,
  formatConnectorSelection,
  type ConnectorSelection,
} from '../../shared/integrations/connector-selection';
import { portsUsedBy } from '../../shared/integrations/port-usage';
import { secretNameOf } from '../../shared/integrations/secrets';
import { EnvVar } from '../../shared/runtime/environment';
import type { PsflowEventBus } from '../platform/event-bus';
import { ServiceFunction } from '../platform/service-function';
import { ServiceTable } from '../platform/service-table';

/** Project root, where handler entries are named from. */
const projectRoot = path.resolve(__dirname, '..', '..');

/** Props of {@link Integrations}. */
export interface IntegrationsProps {
  readonly stage: string;
  readonly eventBus: PsflowEventBus;
  /** The stage's connector choice (`shared/policies/connectors.v1.json`, `-c connectors=`). */
  readonly connectors: ConnectorSelection;
  /** The catalogue to check the choice against (tests pass broken ones); defaults to the published one. */
  readonly catalogue?: ApiCatalogue;
  /** The HTTP API that serves `POST /webhooks/{source}` (the operations API). */
  readonly httpApi?: HttpApi;
}

/**
 * The integration layer of a stage: the connector choice checked against the API catalogue
 * at synth (a connector whose API, or API version, is not catalogued fails the build), the
 * table holding each API's shared token bucket, breaker and statistics, and the bindings of
 * every function that builds a connector: the choice as `PSFLOW_CONNECTORS`, and for a real
 * connector its secret (read only), the state table and the bus for `Integration Degraded`.
 */
export class Integrations extends Construct {
  public readonly stateTable: ServiceTable;
  /** Receives signed webhooks and puts their canonical events on the bus. */
  public readonly receiveWebhook?: ServiceFunction;
  public readonly connectors: ConnectorSelection;
  /** Which function uses which ports, as bound: the dependency map reads it. */
  public readonly portsByFunction = new Map<string, readonly ConnectorPort[]>();
  private readonly apiIds: Record<ConnectorPort, string>;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: IntegrationsProps,
  ) {
    super(scope, id);
    const entries = checkSelectionAgainstCatalogue(props.connectors, props.catalogue ?? apiCatalogue());
    this.connectors = props.connectors;
    this.apiIds = {
      crm: entries.crm.apiId,
      erp: entries.erp.apiId,
      psa: entries.psa.apiId,
      documents: entries.documents.apiId,
    };
    this.secretNames = {
      crm: entries.crm.secretName,
      erp: entries.erp.secretName,
      psa: entries.psa.secretName,
      documents: entries.documents.secretName,
    };
    this.stateTable = new ServiceTable(this, 'StateTable', {
      stage: props.stage,
      name: 'integration-state',
      partitionKey: 'apiId',
      sortKey: 'record',
    });
    const table = this.stateTable.node.defaultChild;
    // Statistics windows carry `expiresAt`; DynamoDB removes them a day on.
    if (table instanceof CfnTable) table.timeToLiveSpecification = { attributeName: 'expiresAt', enabled: true };
    if (props.httpApi) this.receiveWebhook = this.serveWebhooks(props.httpApi, props.catalogue ?? apiCatalogue());
    // An aspect, so functions that workflow constructs add after this one are bound too.
    Aspects.of(Stack.of(this)).add({
      visit: (node: IConstruct) => {
        if (node instanceof ServiceFunction) this.bindConnectorUser(node);
      },
    });
  }

  private readonly secretNames: Record<ConnectorPort, string | undefined>;

  private serveWebhooks(httpApi: HttpApi, catalogue: ApiCatalogue): ServiceFunction {
    const fn = new ServiceFunction(this, 'ReceiveWebhookFunction', {
      entry: 'functions/integrations/receive-webhook.ts',
      stage: this.props.stage,
      name: 'receive-webhook',
      serviceName: 'integrations',
      description: 'Verifies signed webhooks and puts their canonical events on the bus',
    });
    fn.bindTable(this.stateTable, EnvVar.IntegrationStateTable, 'readWrite');
    this.props.eventBus.bus.grantPutEventsTo(fn);
    fn.addEnvironment(EnvVar.EventBusName, this.props.eventBus.bus.eventBusName);
    const secrets = catalogue.apis.flatMap((api) => (api.auth === 'hmac' && api.secretName ? [api.secretName] : []));
    if (secrets.length > 0) fn.addToRolePolicy(this.secretGrant(secrets));
    const route = httpApi.addRoutes({
      path: '/webhooks/{source}',
      methods: [HttpMethod.POST],
      integration: new HttpLambdaIntegration('WebhookIntegration', fn),
      authorizer: new HttpNoneAuthorizer(),
    });
    for (const added of route)
      Validations.of(added).acknowledge({
        id: 'AwsSolutions::AwsSolutions-APIG4',
        reason:
          'Webhook senders cannot hold Cognito tokens; every delivery is authenticated by its HMAC signature, with the key in Secrets Manager, and replays are refused.',
      });
    return fn;
  }

  private secretGrant(secrets: readonly string[]): PolicyStatement {
    const stack = Stack.of(this);
    return new PolicyStatement({
      actions: ['secretsmanager:GetSecretValue'],
      resources: secrets.map((secret) =>
        stack.formatArn({
          service: 'secretsmanager',
          resource: 'secret',
          // Secrets Manager appends six random characters to every secret's ARN.
          resourceName: `${secretNameOf(this.props.stage, secret)}-??????`,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ),
    });
  }

  /** Binds a function that builds a connector, reading the ports from its handler's source. */
  private bindConnectorUser(fn: ServiceFunction): void {
    const ports = portsUsedBy(fs.readFileSync(path.join(projectRoot, fn.entryFile), 'utf8'));
    if (ports.length === 0) return;
    this.portsByFunction.set(fn.entryFile, ports);
    fn.addEnvironment(EnvVar.Connectors, formatConnectorSelection(this.connectors));
    fn.addEnvironment(EnvVar.ConnectorPorts, ports.join(','));
    const secrets = ports.flatMap((port) => {
      const secret = this.connectors[port] === 'sandbox' ? undefined : this.secretNames[port];
      return secret === undefined ? [] : [secret];
    });
    if (secrets.length === 0) return;
    this.stateTable.grantReadWriteData(fn);
    fn.addEnvironment(EnvVar.IntegrationStateTable, this.stateTable.tableName);
    this.props.eventBus.bus.grantPutEventsTo(fn);
    fn.addEnvironment(EnvVar.EventBusName, this.props.eventBus.bus.eventBusName);
    fn.addToRolePolicy(this.secretGrant(secrets));
  }

  /** The catalogued API behind each port in this stage. */
  apiOf(port: ConnectorPort): string {
    return this.apiIds[port];
  }
}
