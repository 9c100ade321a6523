import { coveringPeriods, periodOfKey, periodsOf } from '../../shared/kpis/kpi-periods';

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
});
