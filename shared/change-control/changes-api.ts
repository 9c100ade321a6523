import type { Directory } from '../directory/directory';
import { DomainRefusal, pathParameter, type DomainRoute } from '../procurement/domain-api';
import { appliedWhere, type ChangeLog, type ChangeRecord } from './change-record';

/** What the changes API needs. */
export interface ChangesApiDependencies {
  readonly directory: Directory;
  readonly changes: Pick<ChangeLog, 'get' | 'listByProject'>;
}

/** One line of a project's change history. */
export interface ChangeListItem {
  readonly changeId: string;
  readonly status: ChangeRecord['status'];
  readonly source: string;
  readonly requestedBy: string;
  readonly requestedAt: string;
  readonly reason: string;
  readonly baselineVersion?: number;
  readonly newBaselineVersion?: number;
  readonly budgetDeltaMinor?: number;
  readonly currency?: string;
}

/** A change's history line: who asked, where it stands, and which baseline version it made. */
export function changeListItem(record: ChangeRecord): ChangeListItem {
  return {
    changeId: record.changeId,
    status: record.status,
    source: record.change.source,
    requestedBy: record.change.requestedBy,
    requestedAt: record.requestedAt,
    reason: record.change.reason,
    baselineVersion: record.baselineVersion,
    newBaselineVersion: record.newBaselineVersion,
    budgetDeltaMinor: record.impact?.budget.deltaMinor,
    currency: record.impact?.budget.before.currency,
  };
}

/** Route keys of the changes API; the CDK construct creates one API route per key. */
export const CHANGE_ROUTES: Readonly<Record<string, DomainRoute<ChangesApiDependencies>>> = {
  'GET /changes': async ({ event, deps }) => {
    const projectId = event.queryStringParameters?.projectId;
    if (!projectId) throw new DomainRefusal(400, 'InvalidRequest', 'give ?projectId=ID, the psflow project id');
    if (projectId.length > 256)
      throw new DomainRefusal(400, 'InvalidRequest', `projectId is ${projectId.length} characters long; at most 256`);
    return (await deps.changes.listByProject(projectId)).map(changeListItem);
  },
  'GET /changes/{changeId}': async ({ event, deps }) => {
    const changeId = pathParameter(event, 'changeId');
    const record = await deps.changes.get(changeId);
    if (!record) throw new DomainRefusal(404, 'NotFound', `no change ${changeId}`);
    return { ...record, appliedWhere: appliedWhere(record) };
  },
};
