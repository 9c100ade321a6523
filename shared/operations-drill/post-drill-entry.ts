import { PermanentConnectorError, RetryableConnectorError } from '../connectors/connector-errors';
import type { DrillLedger } from './drill-ledger';
import type { DrillEntryInput, DrillEntryOutput } from './drill-state';

/**
 * The drill's guarded step: posts a journal entry to the drill ledger. It fails as the input
 * asks (a permanent ERP refusal or a transient outage) until the fault is marked fixed in
 * the ledger, so operators can rehearse retry, skip and abort, and tests can get mixed
 * outcomes from a bulk retry. Posting twice returns the first entry.
 */
export async function postDrillEntry(
  entry: DrillEntryInput,
  ledger: DrillLedger,
  now: Date,
): Promise<DrillEntryOutput> {
  if (entry.failWith !== 'none' && !(await ledger.isFaultCleared(entry.drillId))) {
    if (entry.failWith === 'permanent')
      throw new PermanentConnectorError(
        'erp',
        'postJournalEntry',
        `cost centre for drill ${entry.drillId} is closed; the ERP refused the entry`,
      );
    throw new RetryableConnectorError('erp', 'postJournalEntry', 'the ERP answered 503 Service Unavailable');
  }
  return ledger.postEntry(entry.drillId, entry.amount, now.toISOString());
}
