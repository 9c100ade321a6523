import * as z from 'zod';
import { Money, Region } from '../../shared/model/primitives';
import { currentApprovalPolicy, routeApproval } from '../../shared/policies/approval-policy';
import { lambdaHandler } from '../../shared/runtime/lambda-handler';
import { logger } from '../../shared/runtime/powertools';
import { WorkflowName } from '../../shared/workflows/workflow-names';

const RouteApprovalInput = z.object({
  workflow: z.enum(WorkflowName),
  subject: z.looseObject({ amount: Money, region: Region, practice: z.string().min(1) }),
});

/** The route as the approval step reads it: levels, their indexes for the Map, and the policy's reason. */
export interface RouteApprovalOutput {
  readonly levels: ReturnType<typeof routeApproval>['levels'];
  readonly levelIndexes: number[];
  readonly levelCount: number;
  readonly amountEur: number;
  readonly policy: { readonly version: number; readonly ruleId: string; readonly reason: string };
}

function routeApprovalStep({ workflow, subject }: z.infer<typeof RouteApprovalInput>): RouteApprovalOutput {
  const route = routeApproval(currentApprovalPolicy(), {
    workflow,
    region: subject.region,
    practice: subject.practice,
    amount: subject.amount,
  });
  logger.info('approval routed', { workflow, ruleId: route.ruleId, levels: route.levels.length });
  return {
    levels: route.levels,
    levelIndexes: route.levels.map((_, index) => index),
    levelCount: route.levels.length,
    amountEur: route.amountEur,
    policy: { version: route.policyVersion, ruleId: route.ruleId, reason: route.reason },
  };
}

/** Lambda entry point of the `Route<Name>Approval` state. */
export const handler = lambdaHandler('RouteApproval', RouteApprovalInput, routeApprovalStep);
