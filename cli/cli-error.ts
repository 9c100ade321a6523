/** A failure the user can fix; printed as its message alone, without a stack trace. */
export class CliError extends Error {
  override readonly name = 'CliError';
}
