import * as fs from 'node:fs';
import { PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { CliContext } from '../cli-context';
import { CliError } from '../cli-error';

/** PutEvents takes at most ten entries per call. */
const BATCH = 10;

/**
 * `psflow events put FILE...`: puts EventBridge events, as SaaS systems deliver them (an
 * envelope with source, detail-type and detail, like `samples/*.json`), on the
 * stage's bus. A file may hold one event or an array of them.
 */
export async function putEvents(context: CliContext, files: readonly string[]): Promise<void> {
  if (files.length === 0) throw new CliError('name at least one JSON file: psflow events put FILE...');
  const entries = files.flatMap((file) => readEnvelopes(file).map((event, index) => toEntry(context, event, `${file}${index > 0 ? `[${index}]` : ''}`)));
  const results: Array<{ file: string; eventId?: string; error?: string }> = [];
  for (let start = 0; start < entries.length; start += BATCH) {
    const batch = entries.slice(start, start + BATCH);
    const { Entries = [] } = await context.events.send(new PutEventsCommand({ Entries: batch.map((entry) => entry.entry) }));
    batch.forEach((entry, index) => {
      const answer = Entries[index];
      results.push(answer?.EventId ? { file: entry.origin, eventId: answer.EventId } : { file: entry.origin, error: `${answer?.ErrorCode}: ${answer?.ErrorMessage}` });
    });
  }
  if (context.options.json) context.printJson(results);
  else for (const result of results) context.print(result.eventId ? `put ${result.file} as ${result.eventId}` : `REFUSED ${result.file}: ${result.error}`);
  if (results.some((result) => result.error)) throw new CliError(`${results.filter((result) => result.error).length} of ${results.length} events were refused`);
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

function toEntry(context: CliContext, event: unknown, origin: string): { origin: string; entry: PutEventsRequestEntry } {
  const record = typeof event === 'object' && event !== null ? (event as Record<string, unknown>) : {};
  const { source, detail } = record;
  const detailType = record['detail-type'];
  if (typeof source !== 'string' || typeof detailType !== 'string' || typeof detail !== 'object' || detail === null) {
    throw new CliError(`${origin}: expected an EventBridge event with string "source" and "detail-type" and an object "detail"`);
  }
  return { origin, entry: { EventBusName: context.busName, Source: source, DetailType: detailType, Detail: JSON.stringify(detail) } };
}
