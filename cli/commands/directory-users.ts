import { DEMO_USERS } from '../../shared/directory/demo-directory';
import type { CliContext } from '../cli-context';
import { renderTable } from '../table-output';

/** `psflow users`: the demo directory, who holds which role, for `--as USER`. */
export function listUsers(context: CliContext): void {
  if (context.options.json) return context.printJson(DEMO_USERS);
  context.print(
    renderTable(
      ['USER', 'NAME', 'ROLES', 'TITLE'],
      DEMO_USERS.map((user) => [
        user.userId,
        user.name,
        user.grants.map((grant) => `${grant.role}${grant.practices ? ` (${grant.practices.join(', ')})` : ''}${grant.regions ? ` (${grant.regions.join(', ')})` : ''}`).join('; ') || '-',
        user.title,
      ]),
      80,
    ),
  );
  context.print('\nAct as one with --as USER (locally the API trusts it; in AWS the sign-in decides).');
}
