import { Resource } from '../../model/entities';

/** Demo consultants in the sandbox PSA: skills with levels, region, cost rate and calendar, for staffing. */
export const SEED_CONSULTANTS: readonly Resource[] = [
  {
    name: 'Amira Haddad',
    region: 'EMEA',
    practice: 'erp-advisory',
    skills: [
      { skill: 'sap-s4hana', level: 5 },
      { skill: 'solution-architecture', level: 4 },
    ],
    cost: 11000,
    currency: 'EUR',
  },
  {
    name: 'Jonas Becker',
    region: 'EMEA',
    practice: 'erp-advisory',
    skills: [
      { skill: 'record-to-report', level: 4 },
      { skill: 'sap-fi', level: 4 },
    ],
    cost: 8500,
    currency: 'EUR',
  },
  {
    name: 'Claire Dubois',
    region: 'EMEA',
    practice: 'erp-advisory',
    skills: [{ skill: 'erp-programme-management', level: 5 }],
    cost: 12500,
    currency: 'EUR',
  },
  {
    name: 'Marcus Reed',
    region: 'AMER',
    practice: 'data-engineering',
    skills: [
      { skill: 'data-platform', level: 5 },
      { skill: 'snowflake', level: 4 },
    ],
    cost: 14000,
    currency: 'USD',
  },
  {
    name: 'Sofia Alvarez',
    region: 'AMER',
    practice: 'data-engineering',
    skills: [
      { skill: 'dbt', level: 4 },
      { skill: 'sql', level: 5 },
    ],
    cost: 9500,
    currency: 'USD',
  },
  {
    name: 'Ethan Brooks',
    region: 'AMER',
    practice: 'data-engineering',
    skills: [
      { skill: 'great-expectations', level: 3 },
      { skill: 'dbt', level: 3 },
    ],
    cost: 8000,
    currency: 'USD',
  },
  {
    name: 'Mei Lin',
    region: 'APAC',
    practice: 'operations-research',
    skills: [
      { skill: 'optimisation', level: 5 },
      { skill: 'python', level: 5 },
    ],
    cost: 16000,
    currency: 'AUD',
  },
  {
    name: 'Raj Patel',
    region: 'APAC',
    practice: 'operations-research',
    skills: [
      { skill: 'mip', level: 4 },
      { skill: 'python', level: 4 },
    ],
    cost: 12000,
    currency: 'AUD',
  },
  {
    name: 'Hannah Schmidt',
    region: 'EMEA',
    practice: 'cloud-strategy',
    skills: [
      { skill: 'finops', level: 4 },
      { skill: 'aws', level: 5 },
    ],
    cost: 10500,
    currency: 'EUR',
  },
].map((consultant, index) =>
  Resource.parse({
    resourceId: { system: 'psa', id: `RES-${String(index + 1).padStart(4, '0')}` },
    name: consultant.name,
    region: consultant.region,
    practice: consultant.practice,
    skills: consultant.skills,
    costRate: { amountMinor: consultant.cost, currency: consultant.currency },
    calendar: { hoursPerWeek: 40, unavailable: ['2026-12-24', '2026-12-25', '2026-12-31', '2027-01-01'] },
  }),
);
