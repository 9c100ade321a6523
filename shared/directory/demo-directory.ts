import * as z from 'zod';
import { Practice, Region } from '../model/primitives';
import { Role } from './roles';

/**
 * The demo directory: people and their roles, standing in for the identity provider locally
 * (in AWS the JWT's subject is looked up here as well, so the directory is the one place
 * roles are granted). A role may be limited to practices or regions; a practice lead of
 * `erp-advisory` cannot approve a `data-engineering` deal.
 */
export const RoleGrant = z.object({
  role: Role,
  practices: z.array(Practice).optional(),
  regions: z.array(Region).optional(),
});
/** Typed {@link RoleGrant}. */
export type RoleGrant = z.infer<typeof RoleGrant>;

/** One person in the directory. */
export const DirectoryUser = z.object({
  userId: z.string().regex(/^[a-z][a-z0-9.-]{1,63}$/),
  name: z.string().min(1),
  title: z.string().min(1),
  grants: z.array(RoleGrant),
});
/** Typed {@link DirectoryUser}. */
export type DirectoryUser = z.infer<typeof DirectoryUser>;

/** The seeded demo users; `npx psflow users` lists them and `--as USER` acts as one. */
export const DEMO_USERS: readonly DirectoryUser[] = z.array(DirectoryUser).parse([
  { userId: 'sally.sales', name: 'Sally Sales', title: 'Account executive (requests approvals)', grants: [] },
  { userId: 'dana.delivery', name: 'Dana Delivery', title: 'Delivery lead, EMEA', grants: [{ role: 'delivery-lead', regions: ['EMEA'] }] },
  { userId: 'dave.delivery', name: 'Dave Delivery', title: 'Delivery lead, AMER and APAC', grants: [{ role: 'delivery-lead', regions: ['AMER', 'APAC'] }] },
  { userId: 'pat.practice', name: 'Pat Practice', title: 'Practice lead, ERP Advisory and Data Engineering', grants: [{ role: 'practice-lead', practices: ['erp-advisory', 'data-engineering'] }] },
  { userId: 'priya.practice', name: 'Priya Practice', title: 'Practice lead, Cloud Strategy and Operations Research', grants: [{ role: 'practice-lead', practices: ['cloud-strategy', 'operations-research'] }] },
  { userId: 'carl.cfo', name: 'Carl CFO', title: 'Chief financial officer', grants: [{ role: 'cfo' }] },
  { userId: 'fiona.finance', name: 'Fiona Finance', title: 'Finance operations', grants: [{ role: 'finance-ops' }] },
  { userId: 'sam.staffing', name: 'Sam Staffing', title: 'Staffing manager', grants: [{ role: 'staffing-manager' }] },
  { userId: 'ian.integration', name: 'Ian Integration', title: 'Integration operations', grants: [{ role: 'integration-ops' }] },
  { userId: 'mia.managing', name: 'Mia Managing', title: 'Managing partner (takes approvals the chain cannot)', grants: [{ role: 'managing-partner' }] },
  { userId: 'olga.ops', name: 'Olga Ops', title: 'Operations lead (finance and integration exceptions)', grants: [{ role: 'finance-ops' }, { role: 'integration-ops' }] },
]);

/** What a grant must cover: the practice and region of the task's subject. */
export interface GrantScope {
  readonly practice?: string;
  readonly region?: string;
}

/** True when the grant is for the role and its limits (if any) include the subject's practice and region. */
export function grantCovers(grant: RoleGrant, role: Role, scope: GrantScope): boolean {
  if (grant.role !== role) return false;
  if (grant.practices && (!scope.practice || !grant.practices.includes(scope.practice))) return false;
  if (grant.regions && (!scope.region || !(grant.regions as string[]).includes(scope.region))) return false;
  return true;
}

/** Looks people up; the demo directory locally, the same data in AWS until an IdP sync replaces it. */
export interface Directory {
  find(userId: string): DirectoryUser | undefined;
  /** Everyone, to find who holds a role in a scope. */
  all(): readonly DirectoryUser[];
}

/** The directory of the demo users. */
export const demoDirectory: Directory = {
  find: (userId) => DEMO_USERS.find((user) => user.userId === userId),
  all: () => DEMO_USERS,
};

/**
 * The practices the firm runs: the reference data approvals are checked against at synth, so a
 * (practice, region) scope where no one may decide some level is known before a deal strands.
 */
export const FIRM_PRACTICES: readonly string[] = ['cloud-strategy', 'data-engineering', 'erp-advisory', 'operations-research', 'managed-services'];
