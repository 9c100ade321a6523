import type { ChangeRecord } from '../../shared/change-control/change-record';
import type { ChangeListItem } from '../../shared/change-control/changes-api';
import { formatMoney } from '../../shared/model/primitives';
import type { CliContext } from '../cli-context';
import { CliError } from '../cli-error';
import { callApi } from '../operations-client';
import { renderTable } from '../table-output';

type ChangeView = ChangeRecord & { readonly appliedWhere: readonly { system: string; changes: string[] }[] };

/** `psflow changes list --project ID`: a project's changes, oldest first, with the baseline version each made. */
export async function listChanges(context: CliContext, project: string | undefined): Promise<void> {
  if (!project) throw new CliError('give --project ID (the psflow project id, prj-…)');
  const changes = await callApi<ChangeListItem[]>(context, 'GET', `/changes?projectId=${encodeURIComponent(project)}`);
  if (context.options.json) return context.printJson(changes);
  if (changes.length === 0) return context.print(`no changes for project ${project}`);
  context.print(
    renderTable(
      ['CHANGE', 'STATUS', 'SOURCE', 'REQUESTED BY', 'BUDGET DELTA', 'BASELINE'],
      changes.map((change) => [
        change.changeId,
        change.status,
        change.source,
        change.requestedBy,
        change.budgetDeltaMinor !== undefined && change.currency
          ? formatMoney(change.budgetDeltaMinor, change.currency)
          : '',
        change.newBaselineVersion
          ? `v${change.baselineVersion ?? '?'} → v${change.newBaselineVersion}`
          : change.baselineVersion
            ? `v${change.baselineVersion}`
            : '',
      ]),
      120,
    ),
  );
}

/** `psflow changes show ID`: the deltas as approvers saw them, the approvals, and what was applied where. */
export async function showChange(context: CliContext, changeId: string | undefined): Promise<void> {
  if (!changeId) throw new CliError('give the change id: npx psflow changes show ID');
  const change = await callApi<ChangeView>(context, 'GET', `/changes/${encodeURIComponent(changeId)}`);
  if (context.options.json) return context.printJson(change);
  const lines = [
    `${change.changeId}: ${change.status} (project ${change.projectId})`,
    ...(change.summary ?? []).map((line) => `  ${line}`),
    ...(change.heldReasons ?? []).map((reason) => `  held: ${reason}`),
    ...(change.approvals ?? []).map((approval) => `  approved by ${approval.decidedBy} at ${approval.decidedAt}`),
    ...(change.approvalCycleTimeSeconds !== undefined
      ? [`  approval cycle time: ${change.approvalCycleTimeSeconds} s`]
      : []),
    ...(change.rejectedReason ? [`  rejected: ${change.rejectedReason}`] : []),
    ...change.appliedWhere.flatMap((entry) => entry.changes.map((line) => `  applied (${entry.system}): ${line}`)),
    ...(change.compensation ?? []).map((line) => `  compensated: ${line}`),
  ];
  context.print(lines.join('\n'));
}
