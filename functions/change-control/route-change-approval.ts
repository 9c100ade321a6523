import * as z from 'zod';
import { ChangeSubject } from '../../shared/change-control/change-state';
import { routeChangeApproval } from '../../shared/change-control/change-steps';
import { lambdaHandler } from '../../shared/runtime/lambda-handler';

const RouteInput = z.object({
  workflow: z.string().min(1),
  subject: ChangeSubject.pick({ route: true, amountEur: true }),
});

/** Lambda entry point of the `RouteChangeApproval` state: the levels the change policy chose at assessment. */
export const handler = lambdaHandler('RouteChangeApproval', RouteInput, ({ subject }) => routeChangeApproval(subject));
