import { randomUUID } from 'node:crypto';
import type { AuditLog } from '../audit/audit-log';
import type { Directory } from '../directory/directory';
import { Role } from '../directory/roles';
import { TaskActionRefused } from './human-task';
import type { Delegation, DelegationStore } from './task-ports';

/** The longest delegation window; longer absences need a change in the directory. */
const MAX_WINDOW_DAYS = 90;

/** A delegation as the delegator asks for it. */
export interface DelegationRequest {
  readonly delegator: string;
  readonly delegate: string;
  readonly role: string;
  readonly from: string;
  readonly until: string;
}

/**
 * Lets an approver hand their decisions for one role to someone who holds the same role,
 * for a time window (a holiday, a sick day). Delegating to oneself, to someone without the
 * role, backwards in time or for more than 90 days is refused.
 */
export async function delegateRole(
  request: DelegationRequest,
  deps: { delegations: DelegationStore; directory: Directory; audit: AuditLog; now: () => Date },
): Promise<Delegation> {
  const role = Role.safeParse(request.role);
  if (!role.success)
    throw new TaskActionRefused(
      'InvalidRequest',
      `unknown role ${JSON.stringify(request.role)}; roles: ${Role.options.join(', ')}`,
    );
  const from = Date.parse(request.from);
  const until = Date.parse(request.until);
  if (Number.isNaN(from) || Number.isNaN(until))
    throw new TaskActionRefused('InvalidRequest', 'from and until must be ISO-8601 timestamps');
  if (until <= from) throw new TaskActionRefused('InvalidRequest', 'until must be after from');
  if (until - from > MAX_WINDOW_DAYS * 86_400_000)
    throw new TaskActionRefused('InvalidRequest', `a delegation lasts at most ${MAX_WINDOW_DAYS} days`);
  if (until <= deps.now().getTime()) throw new TaskActionRefused('InvalidRequest', 'the window has already ended');
  if (request.delegate === request.delegator)
    throw new TaskActionRefused('InvalidRequest', 'one cannot delegate to oneself');
  const delegator = await deps.directory.find(request.delegator);
  if (!delegator?.grants.some((grant) => grant.role === role.data))
    throw new TaskActionRefused(
      'NotAuthorized',
      `${request.delegator} does not hold the role ${role.data}, so cannot delegate it`,
    );
  const delegate = await deps.directory.find(request.delegate);
  if (!delegate) throw new TaskActionRefused('InvalidRequest', `${request.delegate} is not in the directory`);
  if (!delegate.grants.some((grant) => grant.role === role.data))
    throw new TaskActionRefused(
      'InvalidRequest',
      `${request.delegate} does not hold the role ${role.data}; delegate only to someone with the same role`,
    );
  const delegation: Delegation = {
    delegationId: randomUUID(),
    delegator: delegator.userId,
    delegate: delegate.userId,
    role: role.data,
    from: new Date(from).toISOString(),
    until: new Date(until).toISOString(),
    createdAt: deps.now().toISOString(),
  };
  await deps.delegations.put(delegation);
  await deps.audit.append({
    subjectType: 'delegation',
    subjectId: delegation.delegationId,
    action: 'delegate',
    actor: delegator.userId,
    at: delegation.createdAt,
    why: `${role.data} decisions to ${delegate.userId} from ${delegation.from} until ${delegation.until}`,
    details: { ...delegation },
  });
  return delegation;
}
