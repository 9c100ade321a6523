import * as z from 'zod';
import { Practice, Region } from '../model/primitives';
import { Role } from './roles';

/**
 * The directory: people and their role grants, kept as data (the `psflow-<stage>-directory`
 * table in AWS, seeded with the demo users locally), so granting a role never needs a deploy.
 * A role may be limited to practices or regions; a practice lead of `erp-advisory` cannot
 * approve a `data-engineering` deal.
 */
export const RoleGrant = z.object({
  role: Role,
  practices: z.array(Practice).min(1).optional(),
  regions: z.array(Region).min(1).optional(),
});
/** Typed {@link RoleGrant}. */
export type RoleGrant = z.infer<typeof RoleGrant>;

/** How a user id looks: lower case, dotted names such as `pat.practice`. */
export const UserId = z.string().regex(/^[a-z][a-z0-9.-]{1,63}$/);

/** One person in the directory. */
export const DirectoryUser = z.object({
  userId: UserId,
  /**
   * The identity provider's subject (`sub` claim) that signs in as this person: the Cognito
   * user's sub in AWS, the `X-Psflow-User` name locally (the local API sends it as `sub`).
   */
  subject: z.string().min(1).max(256).optional(),
  name: z.string().min(1),
  title: z.string().min(1),
  grants: z.array(RoleGrant),
});
/** Typed {@link DirectoryUser}. */
export type DirectoryUser = z.infer<typeof DirectoryUser>;

/** What a grant must cover: the practice and region of the task's subject. */
export interface GrantScope {
  readonly practice?: string;
  readonly region?: string;
}

/** True when the grant is for the role and its limits (if any) include the subject's practice and region. */
export function grantCovers(grant: RoleGrant, role: Role, scope: GrantScope): boolean {
  if (grant.role !== role) return false;
  if (grant.practices && (!scope.practice || !grant.practices.includes(scope.practice))) return false;
  if (grant.regions && (!scope.region || !grant.regions.some((region) => region === scope.region))) return false;
  return true;
}

/** Looks people up and changes their grants; read on every request, so a change applies at once. */
export interface Directory {
  find(userId: string): Promise<DirectoryUser | undefined>;
  /** The person a token's subject signs in as; an index query, never a scan. */
  findBySubject(subject: string): Promise<DirectoryUser | undefined>;
  /** Everyone, to find who holds a role in a scope. */
  all(): Promise<readonly DirectoryUser[]>;
  /** Replaces one person's grants; false when the person is not in the directory. */
  setGrants(userId: string, grants: readonly RoleGrant[]): Promise<boolean>;
}

/** A directory held in memory: unit tests, and the reference data checked at synth. */
export class InMemoryDirectory implements Directory {
  private readonly users: Map<string, DirectoryUser>;

  constructor(users: readonly DirectoryUser[]) {
    this.users = new Map(users.map((user) => [user.userId, user]));
  }

  /** Adds or replaces a person, as an admin's `put-item` would. */
  put(user: DirectoryUser): void {
    this.users.set(user.userId, user);
  }

  async find(userId: string): Promise<DirectoryUser | undefined> {
    return this.users.get(userId);
  }

  async findBySubject(subject: string): Promise<DirectoryUser | undefined> {
    return [...this.users.values()].find((user) => user.subject === subject);
  }

  async all(): Promise<readonly DirectoryUser[]> {
    return [...this.users.values()];
  }

  async setGrants(userId: string, grants: readonly RoleGrant[]): Promise<boolean> {
    const user = this.users.get(userId);
    if (!user) return false;
    this.users.set(userId, { ...user, grants: [...grants] });
    return true;
  }
}
