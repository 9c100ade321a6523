import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { EventBridgePublisher } from '../events/eventbridge-publisher';
import { IntegrationsDetailType, PsflowSource } from '../events/catalogue';
import { documentClient, eventBridgeClient } from '../runtime/aws-clients';
import { EnvVar, requireEnv } from '../runtime/environment';
import { logger, metrics, tracer } from '../runtime/powertools';
import { catalogueEntry, type ConnectorPort } from './api-catalogue';
import { ApiGovernor } from './api-governor';
import { DynamoDbIntegrationState } from './dynamodb-integration-state';
import { GovernedHttpClient } from './governed-http';
import { PowertoolsCallObserver } from './powertools-call-observer';
import { secretNameOf, SecretsManagerSecrets, type SecretsPort } from './secrets';

/**
 * What a real connector needs inside a function, built once per execution environment: the
 * governor over the stage's integration state table (so every function shares one bucket and
 * one breaker per API), `Integration Degraded` on the stage bus, Powertools metrics and logs,
 * and Secrets Manager. Only functions whose construct chose a real connector reach this.
 */
let governor: ApiGovernor | undefined;
let secrets: SecretsPort | undefined;

function sharedGovernor(): ApiGovernor {
  governor ??= new ApiGovernor(new DynamoDbIntegrationState(documentClient, requireEnv(EnvVar.IntegrationStateTable)), {
    notifier: {
      degraded: (detail) =>
        new EventBridgePublisher(eventBridgeClient, requireEnv(EnvVar.EventBusName)).publish([
          { source: PsflowSource.Integrations, detailType: IntegrationsDetailType.IntegrationDegraded, detail },
        ]),
    },
  });
  return governor;
}

/** The governed HTTP client of one catalogued API, for a connector behind `port`. */
export function governedClient(port: ConnectorPort, apiId: string): GovernedHttpClient {
  return new GovernedHttpClient(catalogueEntry(apiId), port, {
    governor: sharedGovernor(),
    observer: new PowertoolsCallObserver(metrics, logger),
  });
}

/** Secrets Manager, captured by the tracer. */
export function runtimeSecrets(): SecretsPort {
  secrets ??= new SecretsManagerSecrets(tracer.captureAWSv3Client(new SecretsManagerClient({})));
  return secrets;
}

/** The stage's secret name of a catalogued API: `psflow/<stage>/<secretName>`. */
export function stageSecretName(apiId: string): string {
  const entry = catalogueEntry(apiId);
  if (entry.secretName === undefined) throw new Error(`API ${apiId} has no secret in the catalogue`);
  return secretNameOf(requireEnv(EnvVar.Stage), entry.secretName);
}
