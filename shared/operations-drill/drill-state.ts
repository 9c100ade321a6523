import * as z from 'zod';
import { Money } from '../model/primitives';
import type { StepContract } from '../workflows/step-contract';

/**
 * The state contract of the operations drill. Its one guarded step reads `entryInput` and
 * writes `entry`; the definition's paths are built from these keys.
 */
export const DrillKey = { entryInput: 'entryInput', entry: 'entry', approval: 'approval' } as const;

/** The JSONPaths of {@link DrillKey}, for the definition. */
export const DrillResultPath = {
  entryInput: `$.${DrillKey.entryInput}`,
  entry: `$.${DrillKey.entry}`,
  approval: `$.${DrillKey.approval}`,
} as const satisfies Record<keyof typeof DrillKey, string>;

/** The drill's guarded step input: post a journal entry to the (sandbox) ERP. */
export const DrillEntryInput = z.object({
  drillId: z.string().min(1),
  amount: Money,
  /** How the step should fail, to rehearse each recovery; `none` succeeds. */
  failWith: z.enum(['none', 'permanent', 'transient']),
});
/** Typed {@link DrillEntryInput}. */
export type DrillEntryInput = z.infer<typeof DrillEntryInput>;

/** What posting the drill entry returns. */
export const DrillEntryOutput = z.object({ entryId: z.string().min(1), postedAt: z.string().min(1) });
/** Typed {@link DrillEntryOutput}. */
export type DrillEntryOutput = z.infer<typeof DrillEntryOutput>;

/** The drill's guarded steps, by state name. */
export const DRILL_STEP_CONTRACTS: Readonly<Record<string, StepContract>> = {
  // The drill's approval routed on the amount.
  PostDrillEntry: { input: DrillEntryInput, output: DrillEntryOutput, approvedFields: ['/amount'] },
};
