import type { FindingCode } from './billing-policy';
import type { ReadinessFinding } from './readiness';
import type { BillingCycle } from './billing-state';

/** Where a project stands in a cycle. */
export type ProjectBillingStatus = 'ready' | 'blocked' | 'drafted' | 'nothing-to-bill' | 'carried';

/** A project's standing in one cycle, as `psflow billing status` shows it. */
export interface ProjectReadinessRecord {
  readonly region: string;
  readonly period: string;
  readonly projectId: string;
  readonly status: ProjectBillingStatus;
  /** How many checks ran; 1 after the cycle's own. */
  readonly checks: number;
  /** Whether the first check found the project ready (first-pass readiness). */
  readonly firstCheckReady: boolean;
  readonly findings: readonly ReadinessFinding[];
  readonly checkedAt: string;
  readonly invoiceId?: string;
  readonly draftedAt?: string;
  readonly totalMinor?: number;
  readonly currency?: string;
  /** For a carried project: the period it was carried to. */
  readonly carriedTo?: string;
}

/** What one check recorded, and what it replaced. */
export interface RecordedCheck {
  readonly record: ProjectReadinessRecord;
  /** The project was already drafted: the check changed nothing. */
  readonly alreadyDrafted: boolean;
  /** The project was already drafted, or carried at the cut-off: the check changed nothing. */
  readonly settled: boolean;
}

/** A project carried into a cycle from an earlier period it could not be invoiced for. */
export interface CarriedOver {
  readonly projectId: string;
  /** The period whose records are still to invoice (the first one, when carried more than once). */
  readonly fromPeriod: string;
  /** The blocking finding codes when it was carried. */
  readonly reasons: readonly FindingCode[];
}

/** Storage of cycles and each project's readiness in them; every read by key, never a scan. */
export interface ReadinessStore {
  putCycle(cycle: BillingCycle): Promise<void>;
  getCycle(region: string, period: string): Promise<BillingCycle | undefined>;
  /** Records a check unless the project is already drafted or carried (then returns that record, `settled`). */
  recordCheck(
    cycle: Pick<BillingCycle, 'region' | 'period'>,
    projectId: string,
    check: {
      status: 'ready' | 'blocked' | 'nothing-to-bill';
      findings: readonly ReadinessFinding[];
      checkedAt: string;
    },
    /** A carried project checked again in a later cycle: a `carried` record is checked, not settled. */
    options?: { reopenCarried: boolean },
  ): Promise<RecordedCheck>;
  /** Marks the project drafted; `false` if it already was (so `Invoice Drafted` is emitted once). */
  markDrafted(
    cycle: Pick<BillingCycle, 'region' | 'period'>,
    projectId: string,
    draft: { invoiceId: string; draftedAt: string; totalMinor: number; currency: string },
  ): Promise<boolean>;
  /**
   * Marks a blocked (or already carried) project carried to the next period, and lists it among
   * that period's carried-over projects so its cycle checks the old period too; `false` if it is
   * no longer blocked.
   */
  markCarried(
    cycle: Pick<BillingCycle, 'region' | 'period'>,
    projectId: string,
    carriedTo: string,
    reasons: readonly FindingCode[],
  ): Promise<boolean>;
  /** One page of the projects carried into a cycle, in project order. */
  listCarriedInto(
    region: string,
    period: string,
    limit: number,
    cursor?: string,
  ): Promise<{ carried: CarriedOver[]; cursor?: string }>;
  get(region: string, period: string, projectId: string): Promise<ProjectReadinessRecord | undefined>;
  /** One page of a cycle's projects, in project id order. */
  list(
    region: string,
    period: string,
    limit: number,
    cursor?: string,
  ): Promise<{ records: ProjectReadinessRecord[]; cursor?: string }>;
}
