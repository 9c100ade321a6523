import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { IngestionReplayer } from '../../shared/operations-api/ingestion-replayer';

const NOW = new Date('2026-11-30T10:00:00.000Z');
const EVENT = {
  source: 'aws.partner/salesforce.com/00D8d000004XyZaEAK/0YL8d0000008OpQGAU',
  detailType: 'OpportunityChangeEvent',
  detail: { payload: { StageName: 'Closed Won' } },
};

/** A Lambda response payload as the SDK hands it over: bytes that can also say their text. */
function payload(text: string): Uint8Array & { transformToString: () => string } {
  return Object.assign(new TextEncoder().encode(text), { transformToString: () => text });
}

describe('IngestionReplayer', () => {
  const client = new LambdaClient({
    region: 'eu-west-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  const lambda = mockClient(client);

  beforeEach(() => lambda.reset());

  it('hands ingestion the event as the bus would deliver it, partner source and all, under a new id', async () => {
    // Prepare
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload('{"outcomes":[]}') });

    // Act
    const answer = await new IngestionReplayer(client, 'psflow-test-ingest-event', 'eu-west-1', () => NOW).replay(
      EVENT,
    );

    // Assess
    const input = lambda.commandCalls(InvokeCommand)[0].args[0].input;
    const delivered = JSON.parse(Buffer.from(input.Payload as Uint8Array).toString('utf8'));
    expect(input).toMatchObject({ FunctionName: 'psflow-test-ingest-event', InvocationType: 'RequestResponse' });
    expect(delivered).toMatchObject({
      source: EVENT.source,
      'detail-type': EVENT.detailType,
      detail: EVENT.detail,
      time: NOW.toISOString(),
      region: 'eu-west-1',
    });
    expect(answer).toEqual({ eventId: delivered.id });
    expect(delivered.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('reports a failed ingestion as refused, with the function error', async () => {
    // Prepare
    lambda.on(InvokeCommand).resolves({
      StatusCode: 200,
      FunctionError: 'Unhandled',
      Payload: payload('{"errorType":"Error","errorMessage":"boom"}'),
    });

    // Act
    const answer = await new IngestionReplayer(client, 'psflow-test-ingest-event', 'eu-west-1', () => NOW).replay(
      EVENT,
    );

    // Assess
    expect(answer).toEqual({ refused: 'ingestion failed (Unhandled): {"errorType":"Error","errorMessage":"boom"}' });
  });
});
