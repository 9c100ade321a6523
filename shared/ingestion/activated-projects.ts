import type { ExternalId } from '../model/primitives';
import { WorkflowName, businessKey, projectIdFor } from '../workflows/workflow-names';
import type { OpportunityProjects } from './salesforce/opportunity-change';

/** The executions index as this lookup reads it: executions under one business key (a Query). */
export interface ExecutionsByKey {
  find(key: string, workflow?: WorkflowName): Promise<readonly unknown[]>;
}

/**
 * An opportunity has a project once its activation was started: psflow derives the project id
 * from the opportunity, and records the activation under the opportunity's business key.
 */
export class ActivatedProjects implements OpportunityProjects {
  constructor(private readonly executions: ExecutionsByKey) {}

  async projectOf(opportunityId: ExternalId): Promise<ExternalId | undefined> {
    const found = await this.executions.find(businessKey('opportunity', opportunityId), WorkflowName.ProjectActivation);
    return found.length > 0 ? projectIdFor(opportunityId) : undefined;
  }
}
