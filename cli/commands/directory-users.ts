import type { DirectoryUser, RoleGrant } from '../../shared/directory/directory';
import type { CliContext } from '../cli-context';
import { CliError } from '../cli-error';
import { callApi } from '../operations-client';
import { renderTable } from '../table-output';

/*
 * The directory lives in the stage's directory table; every command goes through the operations
 * API, which checks the caller (only an admin changes grants, never their own) and audits changes.
 */

function describeGrant(grant: RoleGrant): string {
  return `${grant.role}${grant.practices ? ` (${grant.practices.join(', ')})` : ''}${grant.regions ? ` (${grant.regions.join(', ')})` : ''}`;
}

/** `psflow users list`: the directory, who holds which role. */
export async function listUsers(context: CliContext): Promise<void> {
  const users = await callApi<DirectoryUser[]>(context, 'GET', '/users');
  if (context.options.json) return context.printJson(users);
  context.print(
    renderTable(
      ['USER', 'NAME', 'ROLES', 'TITLE'],
      users.map((user) => [user.userId, user.name, user.grants.map(describeGrant).join('; ') || '-', user.title]),
      80,
    ),
  );
  context.print('\nAct as one with --as USER (locally the API trusts it; in AWS the sign-in decides).');
}

/** What `psflow users grant|revoke` reads from its options. */
export interface GrantOptions {
  readonly role?: string;
  /** Comma-separated practices the grant is limited to. */
  readonly practices?: string;
  /** Comma-separated regions the grant is limited to. */
  readonly regions?: string;
  readonly note?: string;
}

/** `psflow users grant|revoke USER --role ROLE [--practices A,B] [--regions EMEA]`: changes one grant (admins only). */
export async function changeGrant(
  context: CliContext,
  action: 'grant' | 'revoke',
  userId: string | undefined,
  options: GrantOptions,
): Promise<void> {
  if (!userId) throw new CliError(`name the user: psflow users ${action} <USER> --role ROLE`);
  if (!options.role)
    throw new CliError(
      `name the role: psflow users ${action} ${userId} --role ROLE [--practices A,B] [--regions EMEA,AMER]`,
    );
  const list = (value: string | undefined) =>
    value === undefined
      ? undefined
      : value
          .split(',')
          .map((item) => item.trim())
          .filter(Boolean);
  const body = {
    role: options.role,
    practices: list(options.practices),
    regions: list(options.regions),
    note: options.note,
  };
  const user = await callApi<DirectoryUser>(
    context,
    'POST',
    `/users/${encodeURIComponent(userId)}/grants${action === 'revoke' ? '/revoke' : ''}`,
    body,
  );
  if (context.options.json) return context.printJson(user);
  context.print(
    `${action === 'grant' ? 'granted' : 'revoked'}; ${user.userId} now holds: ${user.grants.map(describeGrant).join('; ') || 'no roles'}`,
  );
}
