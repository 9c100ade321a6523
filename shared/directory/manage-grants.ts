import * as z from 'zod';
import type { AuditLog } from '../audit/audit-log';
import { TaskActionRefused } from '../human-tasks/human-task';
import { DIRECTORY_ADMIN_ROLE } from './roles';
import { RoleGrant, type Directory, type DirectoryUser } from './directory';

/** What granting or revoking a role needs. */
export interface GrantDependencies {
  readonly directory: Directory;
  readonly audit: AuditLog;
  readonly now: () => Date;
}

/** A grant or revocation asked for through the API or `psflow users grant|revoke`. */
export const GrantChange = RoleGrant.extend({ note: z.string().max(2000).optional() });
/** Typed {@link GrantChange}. */
export type GrantChange = z.infer<typeof GrantChange>;

/**
 * Grants a role (with its practice and region limits) to someone in the directory. Only an
 * admin may, never to themselves (separation of duties), and every change is audited with the
 * grants before and after. Granting what the person already holds changes nothing.
 */
export async function grantRole(
  admin: string,
  userId: string,
  change: GrantChange,
  deps: GrantDependencies,
): Promise<DirectoryUser> {
  const user = await changeableUser(admin, userId, 'grant', deps);
  const { note, ...grant } = change;
  if (user.grants.some((held) => sameGrant(held, grant))) return user;
  return applyGrants(admin, user, [...user.grants, grant], `grant ${describeGrant(grant)}`, note, deps);
}

/** Revokes a role grant exactly as held (same practices and regions); audited like a grant. */
export async function revokeRole(
  admin: string,
  userId: string,
  change: GrantChange,
  deps: GrantDependencies,
): Promise<DirectoryUser> {
  const user = await changeableUser(admin, userId, 'revoke', deps);
  const { note, ...grant } = change;
  const kept = user.grants.filter((held) => !sameGrant(held, grant));
  if (kept.length === user.grants.length) {
    const held = user.grants.map(describeGrant).join(', ') || 'none';
    throw new TaskActionRefused('NotFound', `${userId} holds no grant ${describeGrant(grant)}; their grants: ${held}`);
  }
  return applyGrants(admin, user, kept, `revoke ${describeGrant(grant)}`, note, deps);
}

async function changeableUser(
  admin: string,
  userId: string,
  action: 'grant' | 'revoke',
  deps: GrantDependencies,
): Promise<DirectoryUser> {
  const actor = await deps.directory.find(admin);
  if (!actor?.grants.some((grant) => grant.role === DIRECTORY_ADMIN_ROLE)) {
    throw new TaskActionRefused(
      'NotAuthorized',
      `${admin} may not ${action} roles: that needs the ${DIRECTORY_ADMIN_ROLE} role`,
    );
  }
  if (admin === userId)
    throw new TaskActionRefused(
      'NotAuthorized',
      `${admin} may not ${action} their own roles (separation of duties); ask another admin`,
    );
  const user = await deps.directory.find(userId);
  if (!user)
    throw new TaskActionRefused('NotFound', `no user ${userId} in the directory; list them with: psflow users list`);
  return user;
}

async function applyGrants(
  admin: string,
  user: DirectoryUser,
  grants: RoleGrant[],
  change: string,
  note: string | undefined,
  deps: GrantDependencies,
): Promise<DirectoryUser> {
  if (!(await deps.directory.setGrants(user.userId, grants)))
    throw new TaskActionRefused('NotFound', `no user ${user.userId} in the directory; it was removed meanwhile`);
  await deps.audit.append({
    subjectType: 'user',
    subjectId: user.userId,
    action: change.split(' ')[0],
    actor: admin,
    at: deps.now().toISOString(),
    why: note ? `${change}: ${note}` : change,
    details: { before: user.grants, after: grants },
  });
  return { ...user, grants };
}

function sameGrant(left: RoleGrant, right: RoleGrant): boolean {
  const same = (a?: readonly string[], b?: readonly string[]) =>
    JSON.stringify([...(a ?? [])].sort()) === JSON.stringify([...(b ?? [])].sort());
  return left.role === right.role && same(left.practices, right.practices) && same(left.regions, right.regions);
}

/** A grant as people say it: `practice-lead (practices erp-advisory; regions EMEA)`. */
export function describeGrant(grant: RoleGrant): string {
  const limits = [
    grant.practices ? `practices ${grant.practices.join(', ')}` : '',
    grant.regions ? `regions ${grant.regions.join(', ')}` : '',
  ].filter(Boolean);
  return limits.length > 0 ? `${grant.role} (${limits.join('; ')})` : grant.role;
}
