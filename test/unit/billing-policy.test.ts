import {
  cutOffAt,
  InvalidPeriodError,
  nextPeriod,
  parsePeriod,
  periodStartingOn,
  runAt,
} from '../../shared/billing/billing-calendar';
import { currentBillingPolicy, loadBillingPolicy } from '../../shared/billing/billing-policy';
import { roundHalf, toMinor } from '../../shared/billing/money-rounding';
import calendars from '../../shared/policies/billing-calendars.v1.json';
import rounding from '../../shared/policies/billing-rounding.v1.json';
import rules from '../../shared/policies/billing-rules.v1.json';
import tax from '../../shared/policies/billing-tax.v1.json';

function tables() {
  return structuredClone({ calendars, rules, tax, rounding });
}

describe('the billing policy tables', () => {
  it('load as published, with a version that names each table', () => {
    // Prepare
    const published = tables();

    // Act
    const policy = loadBillingPolicy(published);

    // Assess
    expect(policy.version).toBe('calendars.v1+rules.v1+tax.v1+rounding.v1');
    expect(currentBillingPolicy().calendars.EMEA.timeZone).toBe('Europe/Berlin');
  });

  it('refuse a region without a calendar, a finding without an owner and a bad time zone, listing each', () => {
    // Prepare
    const broken = tables();
    const regions: Record<string, unknown> = broken.calendars.regions;
    delete regions.APAC;
    broken.calendars.regions.EMEA.timeZone = 'Europe/Atlantis';
    const findings: Record<string, unknown> = broken.rules.findings;
    delete findings['rate-mismatch'];

    // Act
    const load = () => loadBillingPolicy(broken);

    // Assess
    expect(load).toThrow(/billing-calendars: \/regions\/EMEA\/timeZone: must be an IANA time zone/);
    broken.calendars.regions.EMEA.timeZone = 'Europe/Berlin';
    expect(() => loadBillingPolicy(broken)).toThrow(/billing-rules: \/findings\/rate-mismatch: Invalid input/);
    findings['rate-mismatch'] = rules.findings['rate-mismatch'];
    expect(() => loadBillingPolicy(broken)).toThrow(/region APAC has no calendar/);
  });

  it('refuse a tax rate over 50% and a rounding mode nobody implements', () => {
    // Prepare
    const broken = tables();
    broken.tax.countries.DE.rate = 19;
    broken.rounding.currencies.EUR.mode = 'bankers';

    // Act
    const load = () => loadBillingPolicy(broken);

    // Assess
    expect(load).toThrow(/billing-tax: \/countries\/DE\/rate[\s\S]*billing-rounding: \/currencies\/EUR\/mode/);
  });
});

describe('the billing calendar', () => {
  const emea = currentBillingPolicy().calendars.EMEA;
  const amer = currentBillingPolicy().calendars.AMER;

  it('puts the EMEA cut-off two business days after the period, at 17:00 Berlin time', () => {
    // Prepare
    const november = parsePeriod('2026-11', emea);

    // Act
    const [run, cutOff] = [runAt(november, emea), cutOffAt(november, emea)];

    // Assess
    expect(run.toISOString()).toBe('2026-11-30T07:00:00.000Z');
    expect(cutOff.toISOString()).toBe('2026-12-02T16:00:00.000Z');
  });

  it('skips weekends and holidays: December 2026 closes after Christmas and New Year', () => {
    // Prepare
    const december = parsePeriod('2026-12', emea);

    // Act
    const cutOff = cutOffAt(december, emea);

    // Assess: the 31st is a holiday, so the last business day is the 30th; then Jan 4 and 5.
    expect(runAt(december, emea).toISOString()).toBe('2026-12-30T07:00:00.000Z');
    expect(cutOff.toISOString()).toBe('2027-01-05T16:00:00.000Z');
  });

  it('follows summer time in New York and halves AMER months', () => {
    // Prepare
    const firstHalf = parsePeriod('2026-07-H1', amer);

    // Act
    const cutOff = cutOffAt(firstHalf, amer);

    // Assess: July 15 is a Wednesday; one business day later at 18:00 EDT (UTC-4).
    expect(firstHalf).toEqual({ period: '2026-07-H1', month: '2026-07', start: '2026-07-01', end: '2026-07-15' });
    expect(cutOff.toISOString()).toBe('2026-07-16T22:00:00.000Z');
    expect(nextPeriod(firstHalf, amer).period).toBe('2026-07-H2');
    expect(nextPeriod(parsePeriod('2026-12-H2', amer), amer).period).toBe('2027-01-H1');
  });

  it.each([
    ['2026-13', 'is not a month YYYY-MM'],
    ['2026-11-H1', 'is not a month YYYY-MM'],
    ['November', 'is not a month YYYY-MM'],
  ])('refuses the EMEA period %s, saying what it expects', (period, message) => {
    // Act
    const parse = () => parsePeriod(period, emea);

    // Assess
    expect(parse).toThrow(InvalidPeriodError);
    expect(parse).toThrow(message);
  });

  it('tells a daily schedule which period starts today, and none on other days', () => {
    // Prepare
    const lastBusinessDay = new Date('2026-11-30T07:00:00Z');
    const dayBefore = new Date('2026-11-27T07:00:00Z');

    // Act
    const [today, notToday] = [periodStartingOn(lastBusinessDay, emea), periodStartingOn(dayBefore, emea)];

    // Assess
    expect(today?.period).toBe('2026-11');
    expect(notToday).toBeUndefined();
  });
});

describe('rounding per currency', () => {
  it.each([
    [0.125, 'half-even', 0.12],
    [0.135, 'half-even', 0.14],
    [0.125, 'half-up', 0.13],
    [0.1 + 0.2, 'half-up', 0.3],
  ] as const)('rounds %s EUR %s to %s', (amount, mode, expected) => {
    // Act
    const minor = toMinor(amount, { minorDigits: 2, mode, totalStepMinor: 1 });

    // Assess
    expect(minor).toBe(Math.round(expected * 100));
  });

  it('rounds yen to whole units', () => {
    // Act
    const minor = toMinor(1234.5, currentBillingPolicy().rounding.JPY);

    // Assess
    expect(minor).toBe(1235);
    expect(roundHalf(2.5, 'half-even')).toBe(2);
  });
});
