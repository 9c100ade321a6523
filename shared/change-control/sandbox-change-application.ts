import * as z from 'zod';
import { PermanentConnectorError } from '../connectors/connector-errors';
import type { SandboxRecord, SandboxRecordStore } from '../connectors/sandbox/sandbox-record-store';
import type { Money } from '../model/primitives';
import type { ChangeApplication, PlanUpdate } from './change-ports';

/**
 * {@link ChangeApplication} over the sandbox records: the ERP budget versions (`erp#budget`), the
 * PSA project (`psa#project`), the billing arrangement (`erp#billing`) and bookings
 * (`psa#booking`). A new baseline is a new budget record; an update keeps what it replaced under
 * `lastChange`, written once per change, so a retried step never records its own result as the
 * previous value and a revert restores what was there before the change.
 */

/** Status of a baseline version an aborted change created: kept on record, no longer current. */
export const VOID_BASELINE_STATUS = 'superseded-void';

const BudgetVersion = z.object({
  id: z.string(),
  recordKey: z.string(),
  status: z.string().optional(),
  changeId: z.string().optional(),
  erpProjectId: z.string().optional(),
  baselineVersion: z.number().int().optional(),
  previousVersion: z.number().int().optional(),
});
const LastChange = z.object({
  changeId: z.string(),
  before: z.record(z.string(), z.unknown()),
  reverted: z.boolean().optional(),
});
const Tracked = z.looseObject({ id: z.string(), recordKey: z.string(), lastChange: LastChange.optional() });
const Billing = z.object({
  status: z.string(),
  billing: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('rate-card'), rates: z.array(z.object({ role: z.string(), rate: z.looseObject({}) })) }),
    z.object({
      kind: z.literal('milestone-schedule'),
      milestones: z.array(z.looseObject({ name: z.string(), dueDate: z.string(), status: z.string().optional() })),
    }),
  ]),
});
const PsaRole = z.looseObject({ lineId: z.string(), workPackage: z.string().optional() });

function ofType<T extends z.ZodType>(records: readonly SandboxRecord[], systemType: string, schema: T): z.output<T>[] {
  return records
    .filter((record) => record.systemType === systemType)
    .flatMap((record) => {
      const parsed = schema.safeParse(record);
      return parsed.success ? [parsed.data] : [];
    });
}

function versionOf(record: z.infer<typeof BudgetVersion>, position: number): number {
  return record.baselineVersion ?? position;
}

/** The sandbox's change application. */
export class SandboxChangeApplication implements ChangeApplication {
  constructor(
    private readonly store: SandboxRecordStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async reviseBudget(projectId: string, changeId: string, budget: Money) {
    const budgets = ofType(await this.store.listByReference('erp', projectId), 'erp#budget', BudgetVersion);
    const mine = budgets.find((record) => record.changeId === changeId);
    if (mine?.baselineVersion !== undefined && mine.previousVersion !== undefined)
      return { baselineId: mine.id, baselineVersion: mine.baselineVersion, previousVersion: mine.previousVersion };
    const live = budgets.filter((record) => record.status !== VOID_BASELINE_STATUS);
    const current = live.at(-1);
    if (!current)
      throw new PermanentConnectorError('erp', 'reviseBudget', `project ${projectId} has no budget baseline to revise`);
    const previousVersion = versionOf(current, live.length);
    // Numbers are never reused: a voided version keeps its number in the history.
    const baselineVersion = Math.max(0, ...budgets.map((record, index) => versionOf(record, index + 1))) + 1;
    const record = await this.store.create({
      system: 'erp',
      operation: 'reviseBudget',
      type: 'budget',
      idPrefix: 'BUD',
      idempotencyKey: `change:${changeId}:erp-budget`,
      payload: {
        ...(current.erpProjectId ? { erpProjectId: current.erpProjectId } : {}),
        budget,
        baselineVersion,
        previousVersion,
        changeId,
        status: 'baseline',
      },
      now: this.now(),
      reference: projectId,
    });
    return { baselineId: record.id, baselineVersion, previousVersion };
  }

  async updatePlan(projectId: string, changeId: string, plan: PlanUpdate) {
    const project = ofType(await this.store.listByReference('psa', projectId), 'psa#project', Tracked).at(-1);
    if (!project) throw new PermanentConnectorError('psa', 'updatePlan', `project ${projectId} has no PSA project`);
    const roles = z.array(PsaRole).catch([]).parse(project.roles);
    const defaultPackage = roles[0]?.workPackage ?? '1';
    const fields: Record<string, unknown> = {
      endDate: plan.endDate,
      roles: plan.roleLines.map((line) => ({
        lineId: line.lineId,
        role: line.role,
        skills: line.skills,
        hours: line.hours,
        workPackage: roles.find((role) => role.lineId === line.lineId)?.workPackage ?? defaultPackage,
      })),
      ...(plan.scope !== undefined ? { scope: plan.scope } : {}),
    };
    await this.track('psa', 'updatePlan', project, changeId, fields);
    return { psaProjectId: project.id };
  }

  async updateBillingSchedule(
    projectId: string,
    changeId: string,
    update: { readonly endDate: string; readonly rates: readonly { readonly role: string; readonly rate: Money }[] },
  ) {
    const records = ofType(await this.store.listByReference('erp', projectId), 'erp#billing', Tracked);
    const active = records.find((record) => Billing.safeParse(record).data?.status === 'active');
    const parsed = active ? Billing.parse(active) : undefined;
    if (!active || !parsed) return { movedMilestones: [], ratesUpdated: [] };
    const movedMilestones: string[] = [];
    const ratesUpdated: string[] = [];
    let billing: unknown;
    if (parsed.billing.kind === 'milestone-schedule') {
      billing = {
        ...parsed.billing,
        milestones: parsed.billing.milestones.map((milestone) => {
          if ((milestone.status ?? 'planned') !== 'planned' || milestone.dueDate <= update.endDate) return milestone;
          movedMilestones.push(`${milestone.name}: ${milestone.dueDate} → ${update.endDate}`);
          return { ...milestone, dueDate: update.endDate };
        }),
      };
    } else {
      const rates = [...parsed.billing.rates];
      for (const { role, rate } of update.rates) {
        const index = rates.findIndex((each) => each.role === role);
        const same = index >= 0 && JSON.stringify(rates[index].rate) === JSON.stringify(rate);
        if (same) continue;
        ratesUpdated.push(role);
        if (index >= 0) rates[index] = { role, rate };
        else rates.push({ role, rate });
      }
      billing = { ...parsed.billing, rates };
    }
    if (movedMilestones.length > 0 || ratesUpdated.length > 0)
      await this.track('erp', 'updateBillingSchedule', active, changeId, { billing });
    return { billingId: active.id, movedMilestones, ratesUpdated };
  }

  async adjustBooking(
    projectId: string,
    changeId: string,
    bookingId: string,
    adjustment: { readonly endDate: string } | { readonly release: true },
  ): Promise<void> {
    const booking = ofType(await this.store.listByReference('psa', projectId), 'psa#booking', Tracked).find(
      (record) => record.id === bookingId,
    );
    if (!booking)
      throw new PermanentConnectorError('psa', 'adjustBooking', `booking ${bookingId} of ${projectId} does not exist`);
    await this.track(
      'psa',
      'adjustBooking',
      booking,
      changeId,
      'endDate' in adjustment ? { endDate: adjustment.endDate } : { status: 'released' },
    );
  }

  async revertChange(projectId: string, changeId: string, reason: string): Promise<string[]> {
    const actions: string[] = [];
    const erp = await this.store.listByReference('erp', projectId);
    const psa = await this.store.listByReference('psa', projectId);
    for (const budget of ofType(erp, 'erp#budget', BudgetVersion))
      if (budget.changeId === changeId && budget.status !== VOID_BASELINE_STATUS) {
        await this.store.update('erp', 'revertChange', budget.recordKey, {
          status: VOID_BASELINE_STATUS,
          voidedReason: reason,
        });
        actions.push(
          `erp budget ${budget.id} (v${budget.baselineVersion ?? '?'}) voided; v${budget.previousVersion ?? '?'} is the baseline again`,
        );
      }
    for (const record of [...erp, ...psa].flatMap((each) => ofType([each], each.systemType, Tracked))) {
      const last = record.lastChange;
      if (!last || last.changeId !== changeId || last.reverted) continue;
      await this.store.update(record.recordKey.split('#')[0] ?? 'sandbox', 'revertChange', record.recordKey, {
        ...last.before,
        lastChange: { ...last, reverted: true, revertedReason: reason },
      });
      actions.push(`${record.recordKey.split('#').slice(0, 2).join(' ')} ${record.id} restored`);
    }
    return actions;
  }

  /** Writes `fields`, keeping their previous values once per change for {@link revertChange}. */
  private async track(
    system: string,
    operation: string,
    record: z.infer<typeof Tracked>,
    changeId: string,
    fields: Record<string, unknown>,
  ): Promise<void> {
    const keep = record.lastChange?.changeId === changeId && !record.lastChange.reverted;
    const before = keep
      ? record.lastChange?.before
      : Object.fromEntries(Object.keys(fields).map((field) => [field, record[field] ?? null]));
    await this.store.update(system, operation, record.recordKey, { ...fields, lastChange: { changeId, before } });
  }
}
