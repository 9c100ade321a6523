import type { Money } from '../model/primitives';
import type { DrillEntryOutput } from './drill-state';

/** The drill's ledger: where its journal entries are posted and its rehearsed faults are cleared. */
export interface DrillLedger {
  /** Whether an operator marked the drill's fault as fixed, as they would fix the ERP. */
  isFaultCleared(drillId: string): Promise<boolean>;
  /** Posts the drill's entry once; posting again returns the first entry. */
  postEntry(drillId: string, amount: Money, postedAt: string): Promise<DrillEntryOutput>;
}
