import * as z from 'zod';
import { Region } from '../model/primitives';
import type { BillingCycle } from './billing-state';
import type { ProjectReadinessRecord, ReadinessStore } from './readiness-store';

/** What the status of a cycle is asked for: a region, a period, optionally one project. */
export const BillingStatusQuery = z.object({
  region: Region,
  period: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])(-H[12])?$/, 'must be YYYY-MM or YYYY-MM-H1/-H2'),
  project: z.string().min(1).max(128).optional(),
});

/** A cycle's projects, each ready, blocked, drafted or carried, with every finding (owner, due time, records). */
export async function billingStatus(
  query: unknown,
  store: ReadinessStore,
): Promise<{ cycle: BillingCycle | undefined; projects: ProjectReadinessRecord[] }> {
  const { region, period, project } = BillingStatusQuery.parse(query);
  const cycle = await store.getCycle(region, period);
  if (project) {
    const record = await store.get(region, period, project);
    return { cycle, projects: record ? [record] : [] };
  }
  const projects: ProjectReadinessRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.list(region, period, 500, cursor);
    projects.push(...page.records);
    cursor = page.cursor;
  } while (cursor);
  return { cycle, projects };
}
