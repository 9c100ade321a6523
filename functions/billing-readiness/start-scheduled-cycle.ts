import * as z from 'zod';
import { startScheduledCycle } from '../../shared/billing/billing-steps';
import { Region } from '../../shared/model/primitives';
import { lambdaHandler } from '../../shared/runtime/lambda-handler';
import { EnvVar, requireEnv } from '../../shared/runtime/environment';
import { StepFunctionsLauncher } from '../../shared/workflows/step-functions-launcher';
import { stepFunctionsClient } from '../../shared/runtime/aws-clients';
import { WorkflowName } from '../../shared/workflows/workflow-names';
import { billing } from './billing-dependencies';

const launcher = new StepFunctionsLauncher(stepFunctionsClient, {
  [WorkflowName.BillingReadiness]: requireEnv(EnvVar.BillingCycleStateMachineArn),
});

/** What a region's schedule sends: the region and `<aws.scheduler.scheduled-time>`. */
const ScheduledStart = z.object({ region: Region, scheduledTime: z.iso.datetime({ offset: true }) });

/** Lambda entry point of a region's billing schedule: starts the cycle on the period's last business day. */
export const handler = lambdaHandler('StartScheduledBillingCycle', ScheduledStart, (input) =>
  startScheduledCycle(input, billing.policy, {
    start: (name, cycleInput) => launcher.start(WorkflowName.BillingReadiness, name, cycleInput),
  }),
);
