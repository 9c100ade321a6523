import * as z from 'zod';
import { DirectoryUser } from './directory';

/*
 * Seed and reference data only: the local cloud loads these users into its directory table at
 * start, and `cdk synth` checks the approval policy against them. No function imports this
 * module, so no demo user is ever compiled into a bundle (a test greps cdk.out for one).
 */

/** The seeded demo users; `npx psflow users list` lists them and `--as USER` acts as one. Each signs in locally by its name. */
export const DEMO_USERS: readonly DirectoryUser[] = z.array(DirectoryUser).parse(
  [
    { userId: 'sally.sales', name: 'Sally Sales', title: 'Account executive (requests approvals)', grants: [] },
    {
      userId: 'dana.delivery',
      name: 'Dana Delivery',
      title: 'Delivery lead, EMEA',
      grants: [{ role: 'delivery-lead', regions: ['EMEA'] }],
    },
    {
      userId: 'dave.delivery',
      name: 'Dave Delivery',
      title: 'Delivery lead, AMER and APAC',
      grants: [{ role: 'delivery-lead', regions: ['AMER', 'APAC'] }],
    },
    {
      userId: 'pat.practice',
      name: 'Pat Practice',
      title: 'Practice lead, ERP Advisory and Data Engineering',
      grants: [{ role: 'practice-lead', practices: ['erp-advisory', 'data-engineering'] }],
    },
    {
      userId: 'priya.practice',
      name: 'Priya Practice',
      title: 'Practice lead, Cloud Strategy and Operations Research',
      grants: [{ role: 'practice-lead', practices: ['cloud-strategy', 'operations-research'] }],
    },
    { userId: 'carl.cfo', name: 'Carl CFO', title: 'Chief financial officer', grants: [{ role: 'cfo' }] },
    { userId: 'fiona.finance', name: 'Fiona Finance', title: 'Finance operations', grants: [{ role: 'finance-ops' }] },
    { userId: 'sam.staffing', name: 'Sam Staffing', title: 'Staffing manager', grants: [{ role: 'staffing-manager' }] },
    {
      userId: 'ian.integration',
      name: 'Ian Integration',
      title: 'Integration operations',
      grants: [{ role: 'integration-ops' }],
    },
    {
      userId: 'mia.managing',
      name: 'Mia Managing',
      title: 'Managing partner (takes approvals the chain cannot)',
      grants: [{ role: 'managing-partner' }],
    },
    {
      userId: 'olga.ops',
      name: 'Olga Ops',
      title: 'Operations lead (finance and integration exceptions)',
      grants: [{ role: 'finance-ops' }, { role: 'integration-ops' }],
    },
    {
      userId: 'ada.admin',
      name: 'Ada Admin',
      title: 'Directory administrator (grants and revokes roles)',
      grants: [{ role: 'admin' }],
    },
  ].map((user) => ({ ...user, subject: user.userId })),
);

/**
 * The practices the firm runs: the reference data approvals are checked against at synth, so a
 * (practice, region) scope where no one may decide some level is known before a deal strands.
 */
export const FIRM_PRACTICES: readonly string[] = [
  'cloud-strategy',
  'data-engineering',
  'erp-advisory',
  'operations-research',
  'managed-services',
];
