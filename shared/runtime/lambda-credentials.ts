import { type FromEnvInit, fromEnv } from '@aws-sdk/credential-provider-env';

/**
 * The credential chain bundled into every function in place of the SDK's default one
 * (`@aws-sdk/credential-provider-node`, replaced by an esbuild alias in the functions' bundling).
 *
 * Lambda hands a function its role's credentials in the environment (`AWS_ACCESS_KEY_ID`,
 * `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`), and the default chain takes them from there
 * first; so does the local cloud. The rest of that chain (SSO, STS web identity, shared ini
 * files, process, container and instance metadata, and the nested clients they use) is about
 * 140 KB of the minified bundle that a function never runs, and compiling it was a fifth to a
 * third of a function's module load.
 */
export function defaultProvider(init: FromEnvInit = {}): ReturnType<typeof fromEnv> {
  return fromEnv(init);
}
