import { DrillEntryInput } from '../../shared/operations-drill/drill-state';
import { postDrillEntry } from '../../shared/operations-drill/post-drill-entry';
import { DrillLedgerTable } from '../../shared/repositories/drill-ledger-table';
import { documentClient } from '../../shared/runtime/aws-clients';
import { EnvVar, requireEnv } from '../../shared/runtime/environment';
import { lambdaHandler } from '../../shared/runtime/lambda-handler';

const ledger = new DrillLedgerTable(documentClient, requireEnv(EnvVar.DrillLedgerTable));

/** Lambda entry point of the drill's guarded `PostDrillEntry` state. */
export const handler = lambdaHandler('PostDrillEntry', DrillEntryInput, (entry) =>
  postDrillEntry(entry, ledger, new Date()),
);
