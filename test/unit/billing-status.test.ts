import * as z from 'zod';
import { billingStatus } from '../../shared/billing/billing-status';
import type { ProjectReadinessRecord, ReadinessStore } from '../../shared/billing/readiness-store';

function record(projectId: string): ProjectReadinessRecord {
  return {
    region: 'EMEA',
    period: '2026-11',
    projectId,
    status: 'blocked',
    checks: 1,
    firstCheckReady: false,
    findings: [],
    checkedAt: '2026-11-30T07:00:00.000Z',
  };
}

/** A cycle of `count` projects, served two to a page. */
function store(count: number): ReadinessStore & { pages: number } {
  const all = Array.from({ length: count }, (_, index) => record(`P-${index}`));
  const unused = () => Promise.reject(new Error('not used'));
  const fake = {
    pages: 0,
    putCycle: unused,
    getCycle: async () => undefined,
    recordCheck: unused,
    markDrafted: unused,
    markCarried: unused,
    listCarriedInto: unused,
    get: async (_region: string, _period: string, projectId: string) =>
      all.find((item) => item.projectId === projectId),
    list: async (_region: string, _period: string, _limit: number, cursor?: string) => {
      fake.pages += 1;
      const start = cursor ? Number(cursor.slice(2)) + 1 : 0;
      const records = all.slice(start, start + 2);
      return { records, ...(start + 2 < all.length ? { cursor: records[records.length - 1].projectId } : {}) };
    },
  };
  return fake;
}

describe('the billing status of a cycle', () => {
  it('lists every project of the cycle, following pages', async () => {
    // Prepare
    const cycle = store(5);

    // Act
    const status = await billingStatus({ region: 'EMEA', period: '2026-11' }, cycle);

    // Assess
    expect(status.projects.map((item) => item.projectId)).toEqual(['P-0', 'P-1', 'P-2', 'P-3', 'P-4']);
    expect(cycle.pages).toBe(3);
  });

  it('answers one project, or none when it was not checked', async () => {
    // Act
    const [found, missing] = await Promise.all([
      billingStatus({ region: 'EMEA', period: '2026-11', project: 'P-1' }, store(3)),
      billingStatus({ region: 'EMEA', period: '2026-11', project: 'P-9' }, store(3)),
    ]);

    // Assess
    expect(found.projects.map((item) => item.projectId)).toEqual(['P-1']);
    expect(missing.projects).toEqual([]);
  });

  it.each([
    [{ region: 'MARS', period: '2026-11' }, 'region'],
    [{ region: 'EMEA', period: 'November' }, 'period'],
  ])('refuses %j, naming the field', async (query, field) => {
    // Act
    const asking = billingStatus(query, store(1));

    // Assess
    await expect(asking).rejects.toBeInstanceOf(z.ZodError);
    await expect(asking).rejects.toThrow(field);
  });
});
