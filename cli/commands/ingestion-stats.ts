import { IngestionLedgerTable } from '../../shared/repositories/ingestion-ledger-table';
import type { CliContext } from '../cli-context';
import { renderTable } from '../table-output';

/** `psflow ingestion unknown`: sources and detail-types that reached ingestion with no adapter or contract. */
export async function listUnknownEvents(context: CliContext): Promise<void> {
  const counters = await new IngestionLedgerTable(
    context.documents,
    context.tableName('ingestion-ledger'),
  ).listUnknown();
  if (context.options.json) return context.printJson(counters);
  if (counters.length === 0) return context.print('no unknown sources or detail-types seen');
  context.print(
    renderTable(
      ['SOURCE', 'DETAIL-TYPE', 'EVENTS', 'FIRST SEEN', 'LAST SEEN', 'LAST EVENT ID'],
      counters.map((counter) => [
        counter.source,
        counter.detailType,
        String(counter.eventCount),
        counter.firstSeenAt,
        counter.lastSeenAt,
        counter.lastEventId,
      ]),
    ),
  );
}
