import { DefinitionBody, Pass, Succeed } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';

/**
 * Stable state names of project activation. This is the placeholder the ingestion path
 * starts until the activation workflow lands (issue 5); its input is already the
 * canonical `Opportunity Won` detail the real workflow will take.
 */
export const ProjectActivationState = {
  AcceptWonOpportunity: 'AcceptWonOpportunity',
  ActivationRequested: 'ActivationRequested',
} as const;

/** Builds the project-activation definition. Input: the `Opportunity Won` detail plus the `projectId` ingestion assigned. */
export function buildProjectActivationDefinition(scope: Construct): DefinitionBody {
  const accept = new Pass(scope, ProjectActivationState.AcceptWonOpportunity, {
    parameters: {
      'opportunityId.$': '$.opportunity.opportunityId',
      'projectId.$': '$.projectId',
      'clientId.$': '$.opportunity.client.clientId',
      'amount.$': '$.opportunity.amount',
      'wonAt.$': '$.wonAt',
      'dedupeKey.$': '$.dedupeKey',
    },
  });
  return DefinitionBody.fromChainable(accept.next(new Succeed(scope, ProjectActivationState.ActivationRequested)));
}
