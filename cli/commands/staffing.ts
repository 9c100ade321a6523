import * as fs from 'node:fs';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import * as z from 'zod';
import { PsflowSource, WorkflowDetailType } from '../../shared/events/catalogue';
import {
  DynamoDbStaffingRequestStore,
  StaffingStatus,
  type StaffingRequestRecord,
} from '../../shared/staffing/staffing-request-store';
import {
  listStaffingRequests as listRequests,
  StaffingStatusFilter,
} from '../../shared/staffing/staffing-request-views';
import type { CliContext } from '../cli-context';
import { CliError } from '../cli-error';
import { renderTable } from '../table-output';

function store(context: CliContext): DynamoDbStaffingRequestStore {
  return new DynamoDbStaffingRequestStore(context.documents, context.tableName('staffing-requests'));
}

/** The recommendation a record holds, read loosely: the CLI shows what is there. */
const StoredRecommendation = z
  .object({
    candidates: z.array(z.record(z.string(), z.unknown())).default([]),
    excludedCounts: z.record(z.string(), z.number()).default({}),
    exclusions: z.array(z.record(z.string(), z.unknown())).default([]),
    proposal: z.object({ kind: z.string(), reason: z.string(), flags: z.array(z.string()).default([]) }).passthrough(),
    considered: z.number().default(0),
  })
  .passthrough();

function recommendationOf(record: StaffingRequestRecord): z.infer<typeof StoredRecommendation> | undefined {
  const parsed = StoredRecommendation.safeParse(record.recommendation);
  return parsed.success ? parsed.data : undefined;
}

async function recordOf(context: CliContext, requestId: string | undefined): Promise<StaffingRequestRecord> {
  if (!requestId) throw new CliError('name a staffing request, e.g. prj-...:L1 (see psflow staffing requests)');
  const record = await store(context).get(requestId);
  if (!record) throw new CliError(`no staffing request ${requestId}`);
  return record;
}

/** A ranked candidate as stored, read loosely for display. */
const StoredCandidate = z.object({
  rank: z.number(),
  personId: z.string(),
  name: z.string(),
  grade: z.string(),
  region: z.string(),
  score: z.number(),
  flags: z.array(z.string()).default([]),
  factors: z.record(z.string(), z.object({ score: z.number(), weight: z.number(), explanation: z.string() })),
});

/** `psflow staffing requests [--status S]`: requests newest first, from the status index. */
export async function listStaffingRequests(
  context: CliContext,
  status: string | undefined,
  limit: number,
): Promise<void> {
  const filter = StaffingStatusFilter.safeParse(status ?? 'all');
  if (!filter.success)
    throw new CliError(`--status must be open, all or one of ${StaffingStatus.options.join(', ')}, not ${status}`);
  const records = await listRequests(store(context), filter.data, limit);
  if (context.options.json) return context.printJson(records);
  if (records.length === 0) return context.print('no staffing requests');
  context.print(
    renderTable(
      ['REQUEST', 'STATUS', 'ROLE', 'PROPOSAL', 'UPDATED'],
      records.map((record) => [
        record.requestId,
        record.status,
        record.role ?? '-',
        recommendationOf(record)?.proposal.kind ??
          (record.problems ? `held: ${record.problems.length} problem(s)` : '-'),
        record.updatedAt,
      ]),
    ),
  );
}

/** `psflow staffing show REQUEST`: where a request stands, why, and what was proposed. */
export async function showStaffingRequest(context: CliContext, requestId: string | undefined): Promise<void> {
  const record = await recordOf(context, requestId);
  if (context.options.json) return context.printJson(record);
  const recommendation = recommendationOf(record);
  context.print(`${record.requestId}: ${record.status} (updated ${record.updatedAt})`);
  if (record.role) context.print(`role: ${record.role} on ${record.projectId ?? '-'}`);
  for (const problem of record.problems ?? []) context.print(`held: ${problem}`);
  if (recommendation) {
    context.print(`proposal (${recommendation.proposal.kind}): ${recommendation.proposal.reason}`);
    for (const flag of recommendation.proposal.flags) context.print(`flag: ${flag}`);
    context.print(
      `excluded of ${recommendation.considered} considered: ${Object.entries(recommendation.excludedCounts)
        .map(([constraint, count]) => `${constraint} ${count}`)
        .join(', ')}`,
    );
  }
  if (record.outcome) context.print(`outcome: ${record.outcome}`);
}

/** `psflow staffing candidates REQUEST`: the ranked list with a sentence per factor, and who was excluded why. */
export async function showStaffingCandidates(context: CliContext, requestId: string | undefined): Promise<void> {
  const record = await recordOf(context, requestId);
  const recommendation = recommendationOf(record);
  if (!recommendation) throw new CliError(`request ${record.requestId} has no recommendation yet (${record.status})`);
  if (context.options.json) return context.printJson(record.recommendation);
  const candidates = recommendation.candidates.flatMap((candidate) => {
    const parsed = StoredCandidate.safeParse(candidate);
    return parsed.success ? [parsed.data] : [];
  });
  for (const candidate of candidates) {
    context.print(
      `${candidate.rank}. ${candidate.name} (${candidate.personId}, ${candidate.grade}, ${candidate.region}) score ${candidate.score}${candidate.flags.length ? ` [${candidate.flags.join(', ')}]` : ''}`,
    );
    context.print(
      renderTable(
        ['FACTOR', 'SCORE', 'WEIGHT', 'WHY'],
        Object.entries(candidate.factors).map(([factor, value]) => [
          factor,
          String(value.score),
          String(value.weight),
          value.explanation,
        ]),
      ),
    );
  }
  context.print(
    `excluded: ${Object.entries(recommendation.excludedCounts)
      .map(([constraint, count]) => `${constraint} ${count}`)
      .join(', ')}`,
  );
  for (const exclusion of recommendation.exclusions)
    context.print(`  ${String(exclusion.name)} (${String(exclusion.constraint)}): ${String(exclusion.reason)}`);
}

/** An ad-hoc request file: the role line to staff on a project. */
const AdHocRequestFile = z.object({
  projectId: z.string().min(1),
  roleLine: z.record(z.string(), z.unknown()),
});

/**
 * `psflow staffing request FILE`: an ad-hoc request, put on the bus as `Resource Requested`
 * with the caller as requester, so it is staffed exactly as activation's requests are.
 */
export async function requestStaffing(context: CliContext, file: string | undefined): Promise<void> {
  if (!file) throw new CliError('psflow staffing request FILE ({ "projectId": "...", "roleLine": { ... } })');
  let data: unknown;
  try {
    data = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as Error).message}`);
  }
  const parsed = AdHocRequestFile.safeParse(data);
  if (!parsed.success)
    throw new CliError(
      `${file}: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
    );
  const result = await context.events.send(
    new PutEventsCommand({
      Entries: [
        {
          EventBusName: context.busName,
          Source: PsflowSource.Workflow,
          DetailType: WorkflowDetailType.ResourceRequested,
          Detail: JSON.stringify({
            projectId: { system: 'psflow', id: parsed.data.projectId },
            roleLine: parsed.data.roleLine,
            requestedAt: new Date().toISOString(),
            requestedBy: context.options.as,
          }),
        },
      ],
    }),
  );
  if (result.FailedEntryCount) throw new CliError(`the bus refused the request: ${JSON.stringify(result.Entries)}`);
  const requestId = `${parsed.data.projectId}:${String(parsed.data.roleLine.lineId ?? 'unknown-line')}`;
  if (context.options.json) return context.printJson({ requestId });
  context.print(`requested staffing ${requestId}; follow it with psflow staffing show ${requestId}`);
}
