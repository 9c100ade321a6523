import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type * as z from 'zod';

/**
 * Credentials of external APIs live in Secrets Manager, never in environment variables or
 * logs. A secret is named `psflow/<stage>/<secretName>` (the catalogue's `secretName`) and
 * holds a JSON object; each connector parses it with its own schema and says which field is
 * missing without repeating any value.
 */

/** Reads secrets. */
export interface SecretsPort {
  /** The secret's text; throws when it does not exist or cannot be read. */
  getSecret(name: string): Promise<string>;
  /** Drops a cached value, so the next read sees a rotation now (a refused credential asks for this). */
  forget?(name: string): void;
}

/** Largest secret value Secrets Manager stores: 64 KB. */
export const MAX_SECRET_BYTES = 65_536;

/** The full name of an API's secret in a stage. */
export function secretNameOf(stage: string, secretName: string): string {
  return `psflow/${stage}/${secretName}`;
}

/** The Secrets Manager implementation. Values are cached per instance for `ttlMs` (rotation picks up within it). */
export class SecretsManagerSecrets implements SecretsPort {
  private readonly cache = new Map<string, { value: string; until: number }>();

  constructor(
    private readonly client: SecretsManagerClient,
    private readonly ttlMs = 5 * 60 * 1000,
    private readonly now: () => number = Date.now,
  ) {}

  async getSecret(name: string): Promise<string> {
    const cached = this.cache.get(name);
    if (cached && cached.until > this.now()) return cached.value;
    const { SecretString } = await this.client.send(new GetSecretValueCommand({ SecretId: name }));
    if (SecretString === undefined) throw new Error(`secret ${name} has no string value`);
    this.cache.set(name, { value: SecretString, until: this.now() + this.ttlMs });
    return SecretString;
  }

  forget(name: string): void {
    this.cache.delete(name);
  }
}

/**
 * Parses a secret's JSON with a schema. Errors name the secret and the offending fields, never
 * the values: a zod message can quote the input, so only paths and expectations are kept.
 */
export function parseSecret<Schema extends z.ZodType>(name: string, text: string, schema: Schema): z.output<Schema> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`secret ${name} is not a JSON object (its value is not shown)`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success)
    throw new Error(
      `secret ${name} does not fit: ${parsed.error.issues.map((issue) => `/${issue.path.join('/')} (${issue.code})`).join('; ')} (values are not shown)`,
    );
  return parsed.data;
}
