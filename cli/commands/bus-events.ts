import * as fs from 'node:fs';
import { PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { CliContext } from '../cli-context';
import { CliError } from '../cli-error';

/** PutEvents takes at most ten entries per call. */
const BATCH = 10;
/** Partner event sources; AWS refuses them on a customer's PutEvents. */
const PARTNER_SOURCE_PREFIX = 'aws.partner/';
/** The local cloud's path that plays a SaaS partner (not part of any AWS API). */
const LOCAL_PARTNER_PATH = '/_psflow/partner-events';

/** What PutEvents answers for one entry. */
export interface PutAnswer {
  readonly EventId?: string;
  readonly ErrorCode?: string;
  readonly ErrorMessage?: string;
}

/**
 * `psflow events put FILE...`: puts EventBridge events, as SaaS systems deliver them (an
 * envelope with source, detail-type and detail, like `samples/*.json`). A file may hold one
 * event or an array of them. Events with a partner source (`aws.partner/...`, Salesforce
 * Event Relay and AppFlow) arrive as in AWS, on the partner event bus named after their
 * source: locally through the local cloud's partner path, which plays the partner; against
 * AWS they are refused here, since only the partner can put them. Other events go on the
 * stage's bus with PutEvents.
 */
export async function putEvents(context: CliContext, files: readonly string[]): Promise<void> {
  if (files.length === 0) throw new CliError('name at least one JSON file: psflow events put FILE...');
  const entries = files.flatMap((file) =>
    readEnvelopes(file).map((event, index) => toEntry(event, `${file}${index > 0 ? `[${index}]` : ''}`)),
  );
  const answers = await putEnvelopes(
    context,
    entries.map((entry) => entry.entry),
  );
  const results = entries.map((entry, index) => {
    const answer = answers[index];
    return answer?.EventId
      ? { file: entry.origin, eventId: answer.EventId }
      : { file: entry.origin, error: `${answer?.ErrorCode}: ${answer?.ErrorMessage}` };
  });
  if (context.options.json) context.printJson(results);
  else
    for (const result of results)
      context.print(
        result.eventId ? `put ${result.file} as ${result.eventId}` : `REFUSED ${result.file}: ${result.error}`,
      );
  if (results.some((result) => result.error))
    throw new CliError(`${results.filter((result) => result.error).length} of ${results.length} events were refused`);
}

/**
 * Puts events as their senders would: partner events (`aws.partner/...`) on the partner event
 * bus named after their source, through the local cloud's partner path (refused against AWS,
 * where only the partner can put them); every other event on the stage's bus with PutEvents.
 *
 * @returns one answer per entry, in order: an event id, or an error code and message
 * @throws CliError when partner events are to be put in AWS, or the local cloud is unreachable
 */
export async function putEnvelopes(
  context: CliContext,
  entries: readonly PutEventsRequestEntry[],
): Promise<PutAnswer[]> {
  const isPartner = (entry: PutEventsRequestEntry): boolean => entry.Source?.startsWith(PARTNER_SOURCE_PREFIX) ?? false;
  if (entries.some(isPartner) && context.options.endpoint === 'aws') {
    throw new CliError(
      `a partner event (source ${PARTNER_SOURCE_PREFIX}...) can only be put by its partner (Salesforce Event Relay, AppFlow); AWS refuses it on PutEvents. Replay it from the partner bus's archive instead`,
    );
  }
  const answers: PutAnswer[] = new Array<PutAnswer>(entries.length);
  for (const partner of [false, true]) {
    const indexes = entries.flatMap((entry, index) => (isPartner(entry) === partner ? [index] : []));
    for (let start = 0; start < indexes.length; start += BATCH) {
      const batch = indexes.slice(start, start + BATCH);
      const put = partner ? putAsPartner : putOnBus;
      const batchAnswers = await put(
        context,
        batch.map((index) => entries[index]),
      );
      batch.forEach(
        (entryIndex, position) =>
          (answers[entryIndex] = batchAnswers[position] ?? {
            ErrorCode: 'NoAnswer',
            ErrorMessage: 'the endpoint gave no answer for this entry',
          }),
      );
    }
  }
  return answers;
}

async function putOnBus(context: CliContext, entries: PutEventsRequestEntry[]): Promise<PutAnswer[]> {
  const { Entries = [] } = await context.events.send(
    new PutEventsCommand({ Entries: entries.map((entry) => ({ ...entry, EventBusName: context.busName })) }),
  );
  return Entries;
}

/** Plays the partner: the local cloud puts each event on the partner bus named after its source. */
async function putAsPartner(context: CliContext, entries: PutEventsRequestEntry[]): Promise<PutAnswer[]> {
  const url = new URL(LOCAL_PARTNER_PATH, context.options.endpoint);
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ Entries: entries }),
    });
  } catch (error) {
    throw new CliError(`cannot reach the local cloud at ${url.origin}: ${(error as Error).message}`);
  }
  const body = (await response.json().catch(() => ({}))) as { Entries?: PutAnswer[]; message?: string };
  if (!response.ok)
    throw new CliError(`the local cloud refused the partner events: ${body.message ?? response.status}`);
  return body.Entries ?? [];
}

function readEnvelopes(file: string): unknown[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as Error).message}`);
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    return Array.isArray(parsed) ? parsed : [parsed];
  } catch (error) {
    throw new CliError(`${file} is not JSON: ${(error as Error).message}`);
  }
}

function toEntry(event: unknown, origin: string): { origin: string; entry: PutEventsRequestEntry } {
  const record = typeof event === 'object' && event !== null ? (event as Record<string, unknown>) : {};
  const { source, detail } = record;
  const detailType = record['detail-type'];
  if (typeof source !== 'string' || typeof detailType !== 'string' || typeof detail !== 'object' || detail === null) {
    throw new CliError(
      `${origin}: expected an EventBridge event with string "source" and "detail-type" and an object "detail"`,
    );
  }
  return { origin, entry: { Source: source, DetailType: detailType, Detail: JSON.stringify(detail) } };
}
