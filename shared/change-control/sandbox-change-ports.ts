import * as z from 'zod';
import { monthOf, type PsaBillingRecords } from '../connectors/psa/psa-billing-records';
import type { SandboxRecord, SandboxRecordStore } from '../connectors/sandbox/sandbox-record-store';
import { Money } from '../model/primitives';
import type {
  ApprovedHours,
  BillingSchedule,
  BookingsOnProject,
  CostRates,
  InvoiceDraft,
  Milestone,
  ProjectBaseline,
  ProjectBooking,
  ProjectPlans,
} from './change-ports';

/**
 * Sandbox adapters of the change-control ports, reading the sandbox records table by project
 * reference (an index query). The ERP budget and billing and the PSA project are the records
 * project activation writes, and the invoice drafts are billing's ERP drafts (`erp#invoice`,
 * status `draft`). Approved hours are billing's PSA time entries, read month by month (one Query
 * each) over the project's dates, when the billing records are given. Bookings (`psa#booking`)
 * and the role-level cost rates are still the sandbox's own, to be repointed at staffing's PSA
 * bookings and HRIS when those tables have a by-project and a by-role index.
 */

const BudgetRecord = z.object({
  createdAt: z.string(),
  budget: Money,
  status: z.string().optional(),
  baselineVersion: z.number().int().optional(),
});
const PsaProjectRecord = z.object({
  scope: z.string().nullish(),
  startDate: z.string(),
  endDate: z.string(),
  roles: z.array(z.object({ lineId: z.string(), role: z.string(), skills: z.array(z.string()), hours: z.number() })),
});
const RateCard = z.object({
  status: z.string(),
  billing: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('rate-card'), rates: z.array(z.object({ role: z.string(), rate: Money })) }),
    z.object({
      kind: z.literal('milestone-schedule'),
      milestones: z.array(
        z.object({
          name: z.string(),
          dueDate: z.string(),
          amount: Money,
          status: z.enum(['planned', 'invoiced']).optional(),
        }),
      ),
    }),
  ]),
});
const BookingRecord = z.object({
  id: z.string(),
  resourceId: z.string(),
  lineId: z.string(),
  startDate: z.string(),
  endDate: z.string(),
  hours: z.number(),
  status: z.string().optional(),
});
const TimeEntryRecord = z.object({ lineId: z.string(), hours: z.number(), status: z.string() });
const DraftRecord = z.object({
  id: z.string(),
  totalMinor: z.number().int(),
  currency: z.string(),
  status: z.string().optional(),
});

function ofType<T extends z.ZodType>(records: readonly SandboxRecord[], systemType: string, schema: T): z.output<T>[] {
  return records
    .filter((record) => record.systemType === systemType)
    .flatMap((record) => {
      const parsed = schema.safeParse(record);
      return parsed.success ? [parsed.data] : [];
    });
}

/** Hourly cost rates of the sandbox HRIS, by role, in EUR minor units (staffing's HRIS replaces them). */
export const SANDBOX_COST_RATES_EUR: Readonly<Record<string, number>> = {
  'engagement manager': 12_000,
  'senior data engineer': 10_000,
  'data engineer': 9_000,
  'cloud architect': 11_000,
  'sap consultant': 10_500,
};

/** All change-control ports over the sandbox records. */
export class SandboxChangePorts implements ProjectPlans, CostRates, BookingsOnProject, ApprovedHours, BillingSchedule {
  constructor(
    private readonly store: SandboxRecordStore,
    private readonly billingRecords?: PsaBillingRecords,
  ) {}

  async currentBaseline(projectId: string): Promise<ProjectBaseline | undefined> {
    const erp = await this.store.listByReference('erp', projectId);
    const psa = await this.store.listByReference('psa', projectId);
    const budgets = ofType(erp, 'erp#budget', BudgetRecord).filter((budget) => budget.status !== 'superseded-void');
    const project = ofType(psa, 'psa#project', PsaProjectRecord).at(-1);
    const latest = budgets.at(-1);
    if (!latest || !project) return undefined;
    const rateCard = ofType(erp, 'erp#billing', RateCard).find(
      (billing) => billing.status === 'active' && billing.billing.kind === 'rate-card',
    );
    const rates = rateCard?.billing.kind === 'rate-card' ? rateCard.billing.rates : [];
    return {
      projectId,
      baselineVersion: latest.baselineVersion ?? budgets.length,
      scope: project.scope ?? undefined,
      budget: latest.budget,
      startDate: project.startDate,
      endDate: project.endDate,
      roleLines: project.roles.map((role) => ({
        ...role,
        rate: rates.find((rate) => rate.role === role.role)?.rate ?? {
          amountMinor: 0,
          currency: latest.budget.currency,
        },
        startDate: project.startDate,
        endDate: project.endDate,
      })),
    };
  }

  async costRateFor(role: string, _region: string, currency: string) {
    const rate = SANDBOX_COST_RATES_EUR[role.trim().toLowerCase()];
    return rate === undefined || currency !== 'EUR' ? undefined : { amountMinor: rate, currency };
  }

  async bookingsFor(projectId: string): Promise<readonly ProjectBooking[]> {
    return ofType(await this.store.listByReference('psa', projectId), 'psa#booking', BookingRecord)
      .filter((booking) => booking.status !== 'released')
      .map(({ id, resourceId, lineId, startDate, endDate, hours }) => ({
        bookingId: id,
        resourceId,
        lineId,
        startDate,
        endDate,
        hours,
      }));
  }

  async approvedHoursByLine(projectId: string): Promise<Readonly<Record<string, number>>> {
    const totals: Record<string, number> = {};
    if (this.billingRecords) {
      const baseline = await this.currentBaseline(projectId);
      if (!baseline) return totals;
      // One Query per month of the project's plan: billing keys its records by project and month.
      for (const month of monthsBetween(baseline.startDate, baseline.endDate)) {
        const { timeEntries } = await this.billingRecords.recordsFor(projectId, month);
        for (const entry of timeEntries)
          if (entry.status === 'approved') totals[entry.roleLineId] = (totals[entry.roleLineId] ?? 0) + entry.hours;
      }
      return totals;
    }
    for (const entry of ofType(await this.store.listByReference('psa', projectId), 'psa#time-entry', TimeEntryRecord))
      if (entry.status === 'approved') totals[entry.lineId] = (totals[entry.lineId] ?? 0) + entry.hours;
    return totals;
  }

  async milestonesFor(projectId: string): Promise<readonly Milestone[]> {
    const schedule = ofType(await this.store.listByReference('erp', projectId), 'erp#billing', RateCard).find(
      (billing) => billing.status === 'active' && billing.billing.kind === 'milestone-schedule',
    );
    if (schedule?.billing.kind !== 'milestone-schedule') return [];
    return schedule.billing.milestones.map((milestone) => ({ ...milestone, status: milestone.status ?? 'planned' }));
  }

  async draftedInvoicesFor(projectId: string): Promise<readonly InvoiceDraft[]> {
    return ofType(await this.store.listByReference('erp', projectId), 'erp#invoice', DraftRecord)
      .filter((draft) => draft.status === 'draft')
      .map((draft) => ({ invoiceId: draft.id, amount: { amountMinor: draft.totalMinor, currency: draft.currency } }));
  }
}

/** The months (`YYYY-MM`) from the one holding `from` to the one holding `to`, inclusive. */
export function monthsBetween(from: string, to: string): string[] {
  const months: string[] = [];
  const last = monthOf(to);
  for (let month = monthOf(from); month <= last && months.length < 240;) {
    months.push(month);
    const [year, index] = month.split('-').map(Number);
    month = index === 12 ? `${year + 1}-01` : `${year}-${String(index + 1).padStart(2, '0')}`;
  }
  return months;
}
