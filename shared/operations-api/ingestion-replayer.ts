import { randomUUID } from 'node:crypto';
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { EventReplayer, ReplayableEvent } from './rejected-event-actions';

/**
 * {@link EventReplayer} that hands the event to the ingestion function again, as the bus
 * delivered it the first time. Not PutEvents: a Salesforce event carries its partner source
 * (`aws.partner/...`), which no PutEvents of ours may use, in AWS or locally. The replayed
 * event gets a new id, as a fresh delivery would; ingestion deduplicates on the change itself.
 */
export class IngestionReplayer implements EventReplayer {
  constructor(
    private readonly lambda: LambdaClient,
    private readonly ingestFunctionName: string,
    private readonly region: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async replay(event: ReplayableEvent): Promise<{ eventId: string } | { refused: string }> {
    const eventId = randomUUID();
    const envelope = {
      version: '0',
      id: eventId,
      'detail-type': event.detailType,
      source: event.source,
      account: '',
      time: this.now().toISOString(),
      region: this.region,
      resources: [],
      detail: event.detail,
    };
    const answer = await this.lambda.send(
      new InvokeCommand({
        FunctionName: this.ingestFunctionName,
        InvocationType: 'RequestResponse',
        Payload: Buffer.from(JSON.stringify(envelope)),
      }),
    );
    if (answer.FunctionError) {
      const payload = answer.Payload ? Buffer.from(answer.Payload).toString('utf8') : '';
      return { refused: `ingestion failed (${answer.FunctionError}): ${payload.slice(0, 500)}` };
    }
    return { eventId };
  }
}
