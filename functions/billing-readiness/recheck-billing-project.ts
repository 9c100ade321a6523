import * as z from 'zod';
import { BillingFixDetail } from '../../shared/billing/billing-events';
import { recheckProject } from '../../shared/billing/billing-steps';
import { lambdaHandler } from '../../shared/runtime/lambda-handler';
import { EnvVar } from '../../shared/runtime/environment';
import { billing } from './billing-dependencies';

const deps = {
  projects: billing.sandbox(),
  store: billing.store(),
  starter: billing.starter(EnvVar.BillingProjectStateMachineArn),
  now: () => new Date(),
};

/** The EventBridge event of a fix: its id names the recheck, so a redelivery checks once. */
const FixEvent = z.object({ id: z.string().min(1), detail: BillingFixDetail });

/** Lambda entry point of the fix rule: `Time Entry Approved` and its siblings check the project again. */
export const handler = lambdaHandler('RecheckBillingProject', FixEvent, (event) =>
  recheckProject({ ...event.detail, eventId: event.id }, deps),
);
