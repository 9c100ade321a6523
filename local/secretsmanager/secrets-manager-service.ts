import { randomBytes, randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { AwsError, optionalString, requireString } from '../http/aws-json';
import { AppendLog } from '../store/append-log';

/** Largest SecretString Secrets Manager accepts: 65,536 bytes. */
export const MAX_SECRET_STRING_BYTES = 65_536;

interface SecretVersion {
  readonly name: string;
  readonly arn: string;
  readonly versionId: string;
  readonly value: string;
  readonly createdAt: number;
  readonly description?: string;
}

/**
 * Secrets Manager for the local cloud, enough for psflow's connectors and `psflow secrets set`:
 * CreateSecret, PutSecretValue, GetSecretValue and DescribeSecret over the AWS JSON 1.1
 * protocol (`X-Amz-Target: secretsmanager.<Action>`), with AWS's names, ARNs (name plus six
 * random characters), errors and 64 KB limit. Versions are journalled to
 * `<data-dir>/secrets.log`, so they survive a restart; only the current version is served.
 * The values are never printed: the startup listing names the secrets alone.
 */
export class SecretsManagerService {
  private readonly log: AppendLog<SecretVersion>;
  private readonly current = new Map<string, SecretVersion>();

  constructor(
    dataDirectory: string,
    private readonly region: string,
    private readonly accountId: string,
  ) {
    const { log, records } = AppendLog.open<SecretVersion>(path.join(dataDirectory, 'secrets.log'));
    this.log = log;
    for (const version of records) this.current.set(version.name, version);
  }

  /** Names of the stored secrets, for the startup listing. */
  get names(): string[] {
    return [...this.current.keys()].sort();
  }

  async handle(action: string, request: Record<string, unknown>): Promise<unknown> {
    switch (action) {
      case 'CreateSecret':
        return this.create(request);
      case 'PutSecretValue':
        return this.putValue(request);
      case 'GetSecretValue':
        return this.getValue(request);
      case 'DescribeSecret': {
        const secret = this.find(requireString(request, 'SecretId'));
        return {
          ARN: secret.arn,
          Name: secret.name,
          Description: secret.description,
          LastChangedDate: secret.createdAt / 1000,
        };
      }
      default:
        throw new AwsError(
          'UnknownOperationException',
          `Secrets Manager action ${action} is not served locally (served: CreateSecret, PutSecretValue, GetSecretValue, DescribeSecret)`,
        );
    }
  }

  async stop(): Promise<void> {
    await this.log.close();
  }

  private async create(request: Record<string, unknown>): Promise<unknown> {
    const name = requireString(request, 'Name');
    if (!/^[A-Za-z0-9/_+=.@-]{1,512}$/.test(name))
      throw new AwsError(
        'ValidationException',
        `Invalid name ${JSON.stringify(name)}: use 1-512 of A-Z a-z 0-9 /_+=.@-`,
      );
    if (this.current.has(name))
      throw new AwsError('ResourceExistsException', `The operation failed because the secret ${name} already exists.`);
    const arn = `arn:aws:secretsmanager:${this.region}:${this.accountId}:secret:${name}-${randomBytes(3).toString('hex')}`;
    const version = await this.store(name, arn, secretString(request), optionalString(request, 'Description'));
    return { ARN: arn, Name: name, VersionId: version.versionId };
  }

  private async putValue(request: Record<string, unknown>): Promise<unknown> {
    const secret = this.find(requireString(request, 'SecretId'));
    const version = await this.store(secret.name, secret.arn, secretString(request), secret.description);
    return { ARN: secret.arn, Name: secret.name, VersionId: version.versionId, VersionStages: ['AWSCURRENT'] };
  }

  private getValue(request: Record<string, unknown>): unknown {
    const secret = this.find(requireString(request, 'SecretId'));
    return {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: secret.versionId,
      SecretString: secret.value,
      VersionStages: ['AWSCURRENT'],
      CreatedDate: secret.createdAt / 1000,
    };
  }

  private find(secretId: string): SecretVersion {
    const secret =
      this.current.get(secretId) ?? [...this.current.values()].find((candidate) => candidate.arn === secretId);
    if (!secret) throw new AwsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    return secret;
  }

  private async store(
    name: string,
    arn: string,
    value: string,
    description: string | undefined,
  ): Promise<SecretVersion> {
    const version: SecretVersion = { name, arn, versionId: randomUUID(), value, createdAt: Date.now(), description };
    await this.log.append(version);
    this.current.set(name, version);
    return version;
  }
}

function secretString(request: Record<string, unknown>): string {
  if (request.SecretBinary !== undefined)
    throw new AwsError('ValidationException', 'SecretBinary is not served locally; store the secret as SecretString');
  const value = requireString(request, 'SecretString');
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > MAX_SECRET_STRING_BYTES)
    throw new AwsError(
      'ValidationException',
      `1 validation error detected: Value at 'secretString' failed to satisfy constraint: Member must have length less than or equal to ${MAX_SECRET_STRING_BYTES} (it has ${bytes} bytes)`,
    );
  return value;
}
