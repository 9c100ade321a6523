import * as fs from 'node:fs';
import {
  CreateSecretCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { MAX_SECRET_BYTES, secretNameOf } from '../../shared/integrations/secrets';
import type { CliContext } from '../cli-context';
import { CliError } from '../cli-error';

/** A Secrets Manager client for the context's endpoint: the local cloud, or the default AWS chain. */
export function secretsClient(context: CliContext): SecretsManagerClient {
  return context.options.endpoint === 'aws'
    ? new SecretsManagerClient({})
    : new SecretsManagerClient({
        endpoint: context.options.endpoint,
        region: process.env.AWS_REGION ?? 'us-east-1',
        credentials: { accessKeyId: 'psflow-local', secretAccessKey: 'psflow-local' },
      });
}

/** Where the value comes from: a file, or standard input (so it never sits in shell history or `ps`). */
export interface SecretSource {
  readonly fromFile?: string;
  readonly valueStdin: boolean;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * `psflow secrets set NAME --from-file F | --value-stdin`: creates the secret, or stores a new
 * version of it. NAME is the catalogue's `secretName` (`salesforce` becomes
 * `psflow/<stage>/salesforce`) or a full name with slashes. The value is never printed.
 */
export async function setSecret(context: CliContext, name: string | undefined, source: SecretSource): Promise<void> {
  if (!name) throw new CliError('psflow secrets set NAME (--from-file FILE | --value-stdin), e.g. NAME=salesforce');
  if ((source.fromFile === undefined) === !source.valueStdin)
    throw new CliError('give the value with exactly one of --from-file FILE or --value-stdin');
  let value: string;
  if (source.fromFile !== undefined) {
    try {
      value = fs.readFileSync(source.fromFile, 'utf8');
    } catch (error) {
      throw new CliError(`cannot read ${source.fromFile}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
  } else value = await readStdin();
  value = value.replace(/\r?\n$/, '');
  if (value.length === 0) throw new CliError('the secret value is empty');
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > MAX_SECRET_BYTES)
    throw new CliError(`the secret value is ${bytes} bytes; Secrets Manager stores at most ${MAX_SECRET_BYTES}`);
  const secretId = name.includes('/') ? name : secretNameOf(context.options.stage, name);
  const client = secretsClient(context);
  try {
    let versionId: string | undefined;
    try {
      ({ VersionId: versionId } = await client.send(new CreateSecretCommand({ Name: secretId, SecretString: value })));
    } catch (error) {
      if (!(
        error instanceof ResourceExistsException ||
        (error instanceof Error && error.name === 'ResourceExistsException')
      ))
        throw error;
      ({ VersionId: versionId } = await client.send(
        new PutSecretValueCommand({ SecretId: secretId, SecretString: value }),
      ));
    }
    if (context.options.json) context.printJson({ name: secretId, versionId, bytes });
    else context.print(`stored ${secretId} (version ${versionId ?? '?'}, ${bytes} bytes)`);
  } finally {
    client.destroy();
  }
}
