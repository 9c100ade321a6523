import { grantCovers, type DirectoryUser, type GrantScope } from '../directory/directory';
import { Region } from '../model/primitives';
import type { Role } from '../directory/roles';
import { APPROVAL_WORKFLOWS, escalationOf, type ApprovalPolicy } from '../policies/approval-policy';

/**
 * Who may decide an approval now, and where a task goes when no one may: a task that nobody can
 * decide would otherwise wait a whole SLA period before the sweeper escalates it.
 */

/** A role as people say it: `practice-lead` is "practice lead". */
export function roleLabel(role: Role): string {
  return role.replace(/-/g, ' ');
}

function scopeText(scope: GrantScope): string {
  return `${scope.practice ?? 'any practice'} in ${scope.region ?? 'any region'}`;
}

/** The people whose own grants let them decide for `role` in `scope`, leaving out the `excluded` (separation of duties). */
export function eligibleDeciders(
  users: readonly DirectoryUser[],
  role: Role,
  scope: GrantScope,
  excluded: ReadonlySet<string>,
): DirectoryUser[] {
  return users.filter(
    (user) => !excluded.has(user.userId) && user.grants.some((grant) => grantCovers(grant, role, scope)),
  );
}

/** Why no one may decide for `role` in `scope`, or undefined when someone may. */
export function whyNoDecider(
  users: readonly DirectoryUser[],
  role: Role,
  scope: GrantScope,
  excluded: ReadonlySet<string>,
): string | undefined {
  if (eligibleDeciders(users, role, scope, excluded).length > 0) return undefined;
  const holders = eligibleDeciders(users, role, scope, new Set());
  if (holders.length === 0) return `no ${roleLabel(role)} for ${scopeText(scope)}`;
  return `separation of duties excludes every ${roleLabel(role)} for ${scopeText(scope)} (${holders.map((user) => user.userId).join(', ')}: requested it or decided another level)`;
}

/** Where a task is assigned when it opens, and why it moved, if it did. */
export interface DeciderRoute {
  readonly role: Role;
  /** One line per step along the chain: why the role before could not decide and where it went. */
  readonly notes: readonly string[];
}

/**
 * Follows the policy's escalation chain from `role` until a role someone may decide now, skipping
 * roles of the request's other levels (one person holding both would be barred from one). When
 * only such skipped roles cut the chain short, the policy's `fallbackRole` is tried, as the SLA
 * sweeper would do a day later. At the end of the chain with still no one, the task stays with
 * the last role and the note says so.
 */
export function routeToDecider(
  policy: ApprovalPolicy,
  users: readonly DirectoryUser[],
  role: Role,
  scope: GrantScope,
  excluded: ReadonlySet<string>,
  otherLevelRoles: ReadonlySet<Role>,
): DeciderRoute {
  const notes: string[] = [];
  const visited = new Set<Role>();
  let current = role;
  for (;;) {
    const why = whyNoDecider(users, current, scope, excluded);
    if (!why) return { role: current, notes };
    visited.add(current);
    let next = escalationOf(policy, current);
    let skippedOtherLevel = false;
    while (next && (otherLevelRoles.has(next) || visited.has(next))) {
      skippedOtherLevel ||= otherLevelRoles.has(next);
      next = escalationOf(policy, next);
    }
    const fallback = policy.fallbackRole;
    if (!next && skippedOtherLevel && !visited.has(fallback) && !otherLevelRoles.has(fallback)) next = fallback;
    if (!next)
      return {
        role: current,
        notes: [
          ...notes,
          `${why}; the escalation chain ends at ${roleLabel(current)}, so the task waits for the directory to change`,
        ],
      };
    notes.push(`${why}; escalated at once to ${roleLabel(next)}`);
    current = next;
  }
}

/**
 * Every (practice, region) scope where some approval level has no one to decide it, as readable
 * warnings: for each workflow that asks for approvals, each rule that can route the scope, and
 * each level's role, with where such a task goes when it opens ({@link routeToDecider}: along the
 * chain, to the fallback role, or nowhere). The synth prints them, so a gap in the directory is
 * seen before a deal strands.
 */
export function scopesWithoutDecider(
  policy: ApprovalPolicy,
  users: readonly DirectoryUser[],
  practices: readonly string[],
): string[] {
  // Per gap, where its tasks go (the rules differ: a level whose next role decides another level goes further), and for which rules.
  const warnings = new Map<string, Map<string, Set<string>>>();
  for (const workflow of APPROVAL_WORKFLOWS) {
    for (const region of Region.options) {
      for (const practice of practices) {
        const rules = policy.rules.filter(
          (rule) =>
            rule.workflow === workflow &&
            (rule.regions === '*' || rule.regions.includes(region)) &&
            (rule.practices === '*' || rule.practices.includes(practice)),
        );
        for (const rule of rules) {
          rule.levels.forEach((level, index) => {
            const scope = { practice, region };
            const why = whyNoDecider(users, level.role, scope, new Set());
            if (!why) return;
            const otherLevelRoles = new Set(rule.levels.filter((_, other) => other !== index).map((each) => each.role));
            const route = routeToDecider(policy, users, level.role, scope, new Set(), otherLevelRoles);
            const outcome = whyNoDecider(users, route.role, scope, new Set())
              ? 'no one along the escalation chain may decide, so such tasks wait for the directory to change'
              : `such approvals escalate at once to the ${roleLabel(route.role)}`;
            const outcomes = warnings.get(why) ?? new Map<string, Set<string>>();
            const uses = outcomes.get(outcome) ?? new Set<string>();
            uses.add(`${workflow} rule ${rule.id} level ${index + 1}`);
            outcomes.set(outcome, uses);
            warnings.set(why, outcomes);
          });
        }
      }
    }
  }
  return [...warnings].map(
    ([why, outcomes]) =>
      `${why}: ${[...outcomes].map(([outcome, uses]) => `${outcome} (${[...uses].join(', ')})`).join('; ')}`,
  );
}
