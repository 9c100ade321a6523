import type { ActivationRecordItem, ActivationRecords } from './activation-records';
import type { CompletedActivation } from './activation-state';

/** The latest of ISO times, by the instant they name (offsets and precision may differ, so not by text). */
function latest(times: readonly string[]): string | undefined {
  return times.reduce<string | undefined>(
    (found, time) => (found === undefined || Date.parse(time) > Date.parse(found) ? time : found),
    undefined,
  );
}

/** Seconds between two ISO times, never negative (clocks of different hosts may differ slightly). */
function seconds(from: string, to: string): number {
  return Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 100) / 10);
}

/** The `Project Activated` detail and the recorded cycle times. */
export interface ActivationRecord {
  readonly event: Record<string, unknown>;
  readonly cycleTimeSeconds: number;
  readonly stageSeconds: Record<string, number>;
}

/**
 * Records the activation with its cycle time (won → activated) and the time of each stage,
 * and returns the `Project Activated` detail the workflow announces.
 */
export async function recordActivation(
  state: CompletedActivation,
  records: ActivationRecords,
  executionArn: string,
  now: Date,
): Promise<ActivationRecord> {
  const { engagement } = state;
  const activatedAt = now.toISOString();
  const approvedAt =
    latest((state.approval?.decisions ?? []).map((decision) => decision.decidedAt)) ?? engagement.preparedAt;
  const provisionedAt =
    latest([state.provisioned.erp.completedAt, state.provisioned.psa.completedAt]) ?? state.provisioned.psa.completedAt;
  const stageSeconds = {
    prepare: seconds(state.wonAt, engagement.preparedAt),
    approval: seconds(engagement.preparedAt, approvedAt),
    provisioning: seconds(approvedAt, provisionedAt),
    billing: seconds(provisionedAt, state.billing.completedAt),
    resourceDemand: seconds(state.billing.completedAt, state.resources.completedAt),
    onboarding: seconds(state.resources.completedAt, state.onboarding.completedAt),
  };
  const cycleTimeSeconds = seconds(state.wonAt, activatedAt);
  const item: ActivationRecordItem = {
    projectId: state.projectId.id,
    opportunityId: engagement.opportunityId.id,
    executionArn,
    erpProjectId: state.provisioned.erp.erpProjectId,
    psaProjectId: state.provisioned.psa.psaProjectId,
    billingId: state.billing.billingId,
    wonAt: state.wonAt,
    activatedAt,
    cycleTimeSeconds,
    stageSeconds,
  };
  await records.put(item);
  const event = {
    project: {
      projectId: state.projectId,
      clientId: engagement.clientId,
      opportunityId: engagement.opportunityId,
      name: engagement.name,
      region: engagement.region,
      practice: engagement.practice,
      budget: engagement.amount,
      startDate: engagement.startDate,
      endDate: engagement.endDate,
      status: 'active',
    },
    opportunityId: engagement.opportunityId,
    wonAt: state.wonAt,
    activatedAt,
    // The KPIs time each stage from these, not only the human waits.
    stageSeconds,
  };
  return { event, cycleTimeSeconds, stageSeconds };
}
