import { coveringPeriods, coveringTerms, periodOfKey, periodsOf } from '../../shared/kpis/kpi-periods';

const DAY_MS = 86_400_000;

function dayAt(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

describe('KPI periods', () => {
  it('files a day under its ISO week (from Monday) and its month', () => {
    // Act
    const periods = periodsOf('2026-03-01');

    // Assess: 2026-03-01 is a Sunday, so its week began in February.
    expect(periods).toEqual([
      { kind: 'day', sk: '2026-03-01', from: '2026-03-01', to: '2026-03-01' },
      { kind: 'week', sk: 'W#2026-02-23', from: '2026-02-23', to: '2026-03-01' },
      { kind: 'month', sk: 'M#2026-03', from: '2026-03-01', to: '2026-03-31' },
    ]);
    expect(periodOfKey('M#2028-02')).toMatchObject({ from: '2028-02-01', to: '2028-02-29' });
    expect(periodOfKey('W#2026-02-23')).toEqual(periods[1]);
    expect(periodOfKey('REJECTED')).toBeUndefined();
  });

  it('covers a range exactly, with whole months first, then whole weeks, then days', () => {
    // Act
    const ninety = coveringPeriods('2026-09-02', '2026-11-30');

    // Assess
    expect(ninety.map((period) => period.sk)).toEqual([
      '2026-09-02',
      '2026-09-03',
      '2026-09-04',
      '2026-09-05',
      '2026-09-06',
      'W#2026-09-07',
      'W#2026-09-14',
      'W#2026-09-21',
      // The week of 2026-09-28 reaches into October, which is read as a month.
      '2026-09-28',
      '2026-09-29',
      '2026-09-30',
      'M#2026-10',
      'M#2026-11',
    ]);
  });

  it('never leaves a gap or an overlap, whatever the range', () => {
    // Act and assess: every range of up to 120 days starting on each day of 2026.
    for (let start = Date.UTC(2026, 0, 1); start < Date.UTC(2027, 0, 1); start += 86_400_000 * 3) {
      for (const length of [1, 6, 7, 13, 31, 45, 90, 120]) {
        const from = new Date(start).toISOString().slice(0, 10);
        const to = new Date(start + (length - 1) * 86_400_000).toISOString().slice(0, 10);
        const periods = coveringPeriods(from, to);
        expect(periods[0].from).toBe(from);
        expect(periods[periods.length - 1].to).toBe(to);
        for (let index = 1; index < periods.length; index++)
          expect(Date.parse(periods[index].from) - Date.parse(periods[index - 1].to)).toBe(86_400_000);
        // Worst case: up to 6 days, 3 weeks and 6 days on each side of one or two months.
        if (length === 90) expect(periods.length).toBeLessThanOrEqual(25);
      }
    }
  });

  it('reads a month whole and subtracts the days outside the range when that takes fewer items', () => {
    // Act
    const ninety = coveringTerms('2026-09-02', '2026-11-30');
    const inside = coveringTerms('2026-03-10', '2026-03-12');
    const middle = coveringTerms('2026-03-02', '2026-03-30');

    // Assess
    expect(ninety.map(({ period, sign }) => `${sign > 0 ? '+' : '-'}${period.sk}`)).toEqual([
      '-2026-09-01',
      '+M#2026-09',
      '+M#2026-10',
      '+M#2026-11',
    ]);
    expect(inside.every(({ sign }) => sign > 0)).toBe(true);
    expect(inside).toHaveLength(3);
    // 2026-03-02..30 is four weeks and a day added, or March less its first and last days.
    expect(middle.map(({ period, sign }) => `${sign > 0 ? '+' : '-'}${period.sk}`)).toEqual([
      '-2026-03-01',
      '+M#2026-03',
      '-2026-03-31',
    ]);
  });

  it('counts every day of the range once and every other day not at all, with no item read twice', () => {
    // Act and assess: every range of up to 120 days starting on every other day of 2026.
    const ninetyDayItems: number[] = [];
    for (let start = Date.UTC(2026, 0, 1); start < Date.UTC(2027, 0, 1); start += DAY_MS * 2) {
      for (const length of [1, 5, 6, 7, 13, 27, 31, 45, 90, 120]) {
        const from = dayAt(start);
        const to = dayAt(start + (length - 1) * DAY_MS);
        const terms = coveringTerms(from, to);
        const net = new Map<string, number>();
        for (const { period, sign } of terms)
          for (let at = Date.parse(period.from); at <= Date.parse(period.to); at += DAY_MS)
            net.set(dayAt(at), (net.get(dayAt(at)) ?? 0) + sign);
        const wrong = [...net].filter(([day, count]) => count !== (day >= from && day <= to ? 1 : 0));
        expect({ from, to, wrong }).toEqual({ from, to, wrong: [] });
        expect(net.size).toBeGreaterThanOrEqual(length);
        expect(new Set(terms.map(({ period }) => period.sk)).size).toBe(terms.length);
        expect(terms.length).toBeLessThanOrEqual(coveringPeriods(from, to).length);
        if (length === 90) ninetyDayItems.push(terms.length);
      }
    }
    // Adding only, 90 days take 15.5 items on average and up to 25.
    expect(Math.max(...ninetyDayItems)).toBeLessThanOrEqual(17);
    expect(ninetyDayItems.reduce((sum, items) => sum + items, 0) / ninetyDayItems.length).toBeLessThan(11);
  });
});
