import type * as z from 'zod';

/**
 * Input and output schemas of a guarded step. A retry's corrected input and a skip's supplied
 * output are checked against them before the workflow sees them, so an owner cannot push
 * malformed data into a step by hand. Each workflow declares its own next to its state.
 */
export interface StepContract {
  readonly input: z.ZodType;
  readonly output: z.ZodType;
  /**
   * JSON Pointers into the step's input to what an approval already decided on (the fields the
   * approval policy and the approvers read). A retry patch that touches one is refused: an
   * exception owner corrects data, but may not change what was approved. Empty for a step that
   * runs before its workflow's approval, whose corrections are routed through approval anyway.
   */
  readonly approvedFields: readonly string[];
}

/** Finds the contract of a workflow's guarded step, if it has one. */
export type StepContractLookup = (workflow: string, step: string) => StepContract | undefined;
