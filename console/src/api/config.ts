import * as z from 'zod';

/**
 * How this console signs people in, from `config.json` beside it: the local cloud serves
 * `{ "mode": "local" }`; the CDK deployment writes the Cognito settings from the stack.
 */
export const ConsoleConfig = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('local') }),
  z.object({
    mode: z.literal('cognito'),
    /** The hosted UI's base URL, e.g. https://psflow-dev-123.auth.eu-west-1.amazoncognito.com. */
    cognitoDomain: z.url(),
    clientId: z.string().min(1),
    /** Where Cognito sends the browser back: this console's URL. */
    redirectUri: z.url(),
  }),
]);
/** Typed {@link ConsoleConfig}. */
export type ConsoleConfig = z.infer<typeof ConsoleConfig>;

/** Reads config.json; a missing or malformed one is an error the page shows, not a blank screen. */
export async function loadConfig(): Promise<ConsoleConfig> {
  const response = await fetch(new URL('config.json', document.baseURI));
  if (!response.ok) throw new Error(`config.json answered HTTP ${response.status}`);
  const parsed = ConsoleConfig.safeParse(await response.json());
  if (!parsed.success) throw new Error(`config.json is not valid: ${parsed.error.message}`);
  return parsed.data;
}

/** A local identity the picker offers. */
export const LocalIdentity = z.object({ userId: z.string(), name: z.string(), title: z.string() });
/** Typed {@link LocalIdentity}. */
export type LocalIdentity = z.infer<typeof LocalIdentity>;

/** The directory's people, as the local cloud lists them for the identity picker. */
export async function loadLocalIdentities(): Promise<LocalIdentity[]> {
  const response = await fetch(new URL('identities.json', document.baseURI));
  if (!response.ok) throw new Error(`identities.json answered HTTP ${response.status}`);
  return z.array(LocalIdentity).parse(await response.json());
}
