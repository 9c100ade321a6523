import { randomBytes, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { webhookSignature } from '../../shared/integrations/webhooks';
import { runPsflow } from '../support/psflow-cli';
import {
  clientConfig,
  eventually,
  type LocalCloudProcess,
  startLocalCloud,
  temporaryDataDirectory,
} from '../support/local-cloud-process';

const SECRET_NAME = 'psflow/dev/webhook-crm';
const LEDGER_TABLE = 'psflow-dev-ingestion-ledger';

function wonDetail(): Record<string, unknown> {
  const suffix = randomUUID().replace(/-/g, '').slice(0, 15);
  return {
    opportunity: {
      opportunityId: { system: 'salesforce', id: `006${suffix}` },
      client: { clientId: { system: 'salesforce', id: `001${suffix}` }, name: 'Webhook Client Ltd', region: 'EMEA' },
      name: 'Webhook-delivered deal',
      stage: 'Closed Won',
      amount: { amountMinor: 1_000_000, currency: 'EUR' },
      billingModel: 'fixed-fee',
      region: 'EMEA',
      practice: 'data-engineering',
      closeDate: '2026-11-20',
    },
    wonAt: '2026-11-20T10:15:00Z',
    dedupeKey: `webhook-${randomUUID()}`,
  };
}

describe('integrations on the local cloud: secrets and signed webhooks', () => {
  let cloud: LocalCloudProcess;
  let secrets: SecretsManagerClient;
  let documents: DynamoDBDocumentClient;
  const key = randomBytes(32).toString('hex');

  beforeAll(async () => {
    cloud = await startLocalCloud(temporaryDataDirectory('integrations'), ['--no-seed']);
    secrets = new SecretsManagerClient(clientConfig(cloud.url));
    documents = DynamoDBDocumentClient.from(new DynamoDBClient(clientConfig(cloud.url)));
  }, 180_000);

  afterAll(async () => {
    secrets?.destroy();
    documents?.destroy();
    await cloud?.stop();
    if (cloud) fs.rmSync(cloud.dataDirectory, { recursive: true, force: true });
  });

  async function post(
    body: string,
    headers: Record<string, string>,
  ): Promise<{ status: number; json: Record<string, unknown> }> {
    const response = await fetch(`${cloud.url}/api/webhooks/crm-webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  }

  function signed(body: string, delivery = randomUUID(), timestamp = String(Math.floor(Date.now() / 1000))) {
    return {
      'x-psflow-timestamp': timestamp,
      'x-psflow-delivery': delivery,
      'x-psflow-signature': webhookSignature(key, timestamp, body),
    };
  }

  it('stores a secret with psflow secrets set, serves it to SDK clients, and never prints it', async () => {
    // Prepare
    const file = path.join(cloud.dataDirectory, 'webhook-secret.json');
    fs.writeFileSync(file, JSON.stringify({ signingKeys: [key] }));

    // Act
    const result = await runPsflow(cloud.url, ['secrets', 'set', 'webhook-crm', '--from-file', file]);
    const { SecretString } = await secrets.send(new GetSecretValueCommand({ SecretId: SECRET_NAME }));

    // Assess
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^stored psflow\/dev\/webhook-crm \(version /);
    expect(`${result.stdout}${result.stderr}`).not.toContain(key);
    expect(JSON.parse(SecretString ?? '{}')).toEqual({ signingKeys: [key] });
  });

  it('refuses a secret over 64 KB, in the CLI and in the service', async () => {
    // Prepare
    const file = path.join(cloud.dataDirectory, 'huge-secret.txt');
    fs.writeFileSync(file, 'x'.repeat(65_537));

    // Act
    const result = await runPsflow(cloud.url, ['secrets', 'set', 'webhook-crm', '--from-file', file]);
    const direct = secrets.send(new PutSecretValueCommand({ SecretId: SECRET_NAME, SecretString: 'x'.repeat(65_537) }));

    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/65537 bytes; Secrets Manager stores at most 65536/);
    await expect(direct).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('puts a correctly signed canonical event on the bus, where ingestion takes it', async () => {
    // Prepare
    const detail = wonDetail();
    const body = JSON.stringify({ detailType: 'Opportunity Won', detail });

    // Act
    const accepted = await post(body, signed(body));

    // Assess
    expect(accepted.status).toBe(202);
    const ledger = await eventually(
      async () => {
        const { Item } = await documents.send(
          new GetCommand({
            TableName: LEDGER_TABLE,
            Key: { ledgerKey: `change#psflow.crm:${String(detail.dedupeKey)}` },
          }),
        );
        return Item;
      },
      30_000,
      'the ingestion ledger entry of the webhook event',
    );
    expect(ledger).toMatchObject({ outcome: 'started' });
  });

  it('refuses bad signatures, stale timestamps, replays and events without a contract, saying why', async () => {
    // Prepare
    const body = JSON.stringify({ detailType: 'Opportunity Won', detail: wonDetail() });
    const delivery = randomUUID();
    const unknown = JSON.stringify({ detailType: 'Deal Teleported', detail: {} });
    const invalid = JSON.stringify({ detailType: 'Opportunity Won', detail: { wonAt: 'yesterday' } });

    // Act
    const forged = await post(body, {
      ...signed(body),
      'x-psflow-signature': webhookSignature('not-the-key-at-all', '1', body),
    });
    const tampered = await post(`${body} `, signed(body));
    const stale = await post(body, signed(body, randomUUID(), String(Math.floor(Date.now() / 1000) - 3600)));
    const unsigned = await post(body, {});
    const first = await post(body, signed(body, delivery));
    const replay = await post(body, signed(body, delivery));
    const noContract = await post(unknown, signed(unknown));
    const badEvent = await post(invalid, signed(invalid));

    // Assess
    expect([forged.status, forged.json.error]).toEqual([401, 'BadSignature']);
    expect([tampered.status, tampered.json.error]).toEqual([401, 'BadSignature']);
    expect([stale.status, stale.json.error]).toEqual([401, 'StaleTimestamp']);
    expect([unsigned.status, unsigned.json.error]).toEqual([401, 'MissingSignature']);
    expect(first.status).toBe(202);
    expect([replay.status, replay.json.error]).toEqual([409, 'Replay']);
    expect([noContract.status, noContract.json.error]).toEqual([422, 'UnknownEvent']);
    expect(badEvent.status).toBe(422);
    expect(String(badEvent.json.message)).toMatch(/OpportunityWon v1: \/detail\/opportunity: /);
    const log = fs.readFileSync(path.join(cloud.dataDirectory, 'logs', 'psflow-dev-receive-webhook.log'), 'utf8');
    expect(log.match(/"WebhookRejected"/g)?.length ?? 0).toBeGreaterThanOrEqual(6);
    expect(log).not.toContain(key);
  });

  it('lists every catalogued API with its owner, version and the connector this stage uses, and prints the map', async () => {
    // Prepare, Act
    const listed = await runPsflow(cloud.url, ['integrations', '--json']);
    const map = await runPsflow(cloud.url, ['integrations', 'map']);

    // Assess
    expect(listed.code).toBe(0);
    const apis = (
      JSON.parse(listed.stdout) as {
        apis: { apiId: string; owner: string; version: string; usedBy: string[]; breaker: string }[];
      }
    ).apis;
    expect(apis.find((api) => api.apiId === 'salesforce-rest')).toMatchObject({
      owner: 'crm-platform',
      version: 'v62.0',
      usedBy: [],
      breaker: 'closed',
    });
    expect(apis.find((api) => api.apiId === 'sandbox-dynamodb')?.usedBy).toEqual([
      'crm=sandbox',
      'erp=sandbox',
      'psa=sandbox',
      'documents=sandbox',
    ]);
    expect(map.code).toBe(0);
    expect(map.stdout).toMatch(
      /project-activation \/ PrepareEngagement \[prepare-engagement\] -> crm -> sandbox -> sandbox-dynamodb/,
    );
    expect(map.stdout).toMatch(/```mermaid\nflowchart LR/);
  });
});
