import * as fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DirectoryUser } from '../../shared/directory/directory';
import { DirectoryTable } from '../../shared/repositories/directory-table';
import { EnvVar } from '../../shared/runtime/environment';

/** Where the console is mounted on the local endpoint (CloudFront serves it at the same path). */
export const CONSOLE_PREFIX = '/console';

/** What the console service needs from the local cloud. */
export interface ConsoleServiceOptions {
  /** The built console (`console/dist`). */
  readonly directory: string;
  /** The directory's people, for the local identity picker; undefined when the stage has no directory. */
  readonly people: () => Promise<readonly DirectoryUser[] | undefined>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/**
 * The operations console, locally: the built files under `/console`, plus two answers that
 * only the local cloud gives. `config.json` says "local" (the CDK deployment writes a Cognito
 * one), and `identities.json` lists the directory's people for the identity picker, since the
 * local API trusts whichever `X-Psflow-User` the picker sends, just as the CLI's `--as` does.
 */
export class ConsoleService {
  constructor(private readonly options: ConsoleServiceOptions) {}

  /** Whether a request path is the console's. */
  serves(pathname: string): boolean {
    return pathname === CONSOLE_PREFIX || pathname.startsWith(`${CONSOLE_PREFIX}/`);
  }

  async handle(request: IncomingMessage, response: ServerResponse, pathname: string): Promise<void> {
    if (request.method !== 'GET' && request.method !== 'HEAD')
      return send(response, 405, 'text/plain; charset=utf-8', `${request.method} is not served under /console`);
    if (pathname === CONSOLE_PREFIX) {
      response.writeHead(301, { location: `${CONSOLE_PREFIX}/` }).end();
      return;
    }
    const relative = decodeURIComponent(pathname.slice(CONSOLE_PREFIX.length + 1));
    if (relative === 'config.json')
      return send(response, 200, CONTENT_TYPES['.json'], JSON.stringify({ mode: 'local' }));
    if (relative === 'identities.json') {
      const people = (await this.options.people()) ?? [];
      const listed = people
        .map(({ userId, name, title }) => ({ userId, name, title }))
        .sort((left, right) => left.userId.localeCompare(right.userId));
      return send(response, 200, CONTENT_TYPES['.json'], JSON.stringify(listed));
    }
    const root = path.resolve(this.options.directory);
    const file = path.resolve(root, relative === '' ? 'index.html' : relative);
    // A path that climbs out of the build (../) is refused, never read.
    if (file !== root && !file.startsWith(`${root}${path.sep}`))
      return send(response, 404, 'text/plain; charset=utf-8', 'Not found');
    if (!fs.existsSync(path.join(root, 'index.html')))
      return send(
        response,
        503,
        'text/html; charset=utf-8',
        '<!doctype html><html lang="en"><title>psflow console not built</title><h1>The console is not built</h1><p>Run <code>npm run console:build</code> (npm start does it for you).</p></html>',
      );
    const found = fs.existsSync(file) && fs.statSync(file).isFile() ? file : undefined;
    if (!found) return send(response, 404, 'text/plain; charset=utf-8', `Not found: ${pathname}`);
    const type = CONTENT_TYPES[path.extname(found)] ?? 'application/octet-stream';
    // Hashed asset names never change content; index.html must be read fresh after a rebuild.
    const cache = relative.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
    response.writeHead(200, { 'content-type': type, 'cache-control': cache });
    if (request.method === 'HEAD') response.end();
    else fs.createReadStream(found).pipe(response);
  }
}

function send(response: ServerResponse, status: number, type: string, body: string): void {
  response.writeHead(status, { 'content-type': type, 'cache-control': 'no-cache' }).end(body);
}

/**
 * The console service of a local cloud: it reads the directory table that the stage's
 * operations API reads (found through the functions' environment, so the stage name is not guessed).
 */
export function localConsoleService(
  functions: readonly { readonly environment: Readonly<Record<string, string>> }[],
  dynamoDbEndpoint: string,
  region: string,
  directory: string,
): ConsoleService {
  const tableName = functions.map((fn) => fn.environment[EnvVar.DirectoryTable]).find((name) => name !== undefined);
  return new ConsoleService({
    directory,
    people: async () => {
      if (!tableName) return undefined;
      const client = new DynamoDBClient({
        endpoint: dynamoDbEndpoint,
        region,
        credentials: { accessKeyId: 'psflow-local', secretAccessKey: 'psflow-local' },
      });
      try {
        return await new DirectoryTable(DynamoDBDocumentClient.from(client), tableName).all();
      } finally {
        client.destroy();
      }
    },
  });
}
