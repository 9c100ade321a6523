import type { PutEventsRequestEntry, PutEventsResponse } from '@aws-sdk/client-eventbridge';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { LOCAL_PARTNER_EVENT_SOURCES } from '../../local/eventbridge/partner-sources';
import { clientConfig } from './local-cloud-process';

/** The demo org's Salesforce Event Relay partner event source, which the local stage listens on. */
export const LOCAL_EVENT_RELAY_SOURCE = LOCAL_PARTNER_EVENT_SOURCES[0];
/** The demo AppFlow flow's partner event source, which the local stage listens on. */
export const LOCAL_APPFLOW_SOURCE = LOCAL_PARTNER_EVENT_SOURCES[1];

/**
 * Delivers entries as their senders would: partner events (`aws.partner/...`) through the local
 * cloud's partner path onto the partner bus named after their source, other events with
 * PutEvents on the bus each entry names. Answers in PutEvents' shape, entries in order.
 */
export async function deliverEvents(
  url: string,
  entries: readonly PutEventsRequestEntry[],
): Promise<PutEventsResponse> {
  const isPartner = (entry: PutEventsRequestEntry): boolean => entry.Source?.startsWith('aws.partner/') ?? false;
  const answers: NonNullable<PutEventsResponse['Entries']> = [];
  const partner = entries.filter(isPartner);
  const customer = entries.filter((entry) => !isPartner(entry));
  const partnerAnswers: NonNullable<PutEventsResponse['Entries']> = [];
  const customerAnswers: NonNullable<PutEventsResponse['Entries']> = [];
  if (partner.length > 0) {
    const response = await fetch(`${url}/_psflow/partner-events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ Entries: partner.map(({ EventBusName: _bus, ...entry }) => entry) }),
    });
    if (!response.ok) throw new Error(`the partner path answered ${response.status}: ${await response.text()}`);
    partnerAnswers.push(...(((await response.json()) as PutEventsResponse).Entries ?? []));
  }
  if (customer.length > 0) {
    const client = new EventBridgeClient(clientConfig(url));
    try {
      customerAnswers.push(...((await client.send(new PutEventsCommand({ Entries: customer }))).Entries ?? []));
    } finally {
      client.destroy();
    }
  }
  for (const entry of entries) answers.push((isPartner(entry) ? partnerAnswers : customerAnswers).shift() ?? {});
  return { FailedEntryCount: answers.filter((answer) => answer.ErrorCode).length, Entries: answers };
}
