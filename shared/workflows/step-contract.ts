import type * as z from 'zod';

/**
 * Input and output schemas of a guarded step. A retry's corrected input and a skip's supplied
 * output are checked against them before the workflow sees them, so an owner cannot push
 * malformed data into a step by hand. Each workflow declares its own next to its state.
 */
export interface StepContract {
  readonly input: z.ZodType;
  readonly output: z.ZodType;
}

/** Finds the contract of a workflow's guarded step, if it has one. */
export type StepContractLookup = (workflow: string, step: string) => StepContract | undefined;
