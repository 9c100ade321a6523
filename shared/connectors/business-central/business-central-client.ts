import { createHash } from 'node:crypto';
import * as z from 'zod';
import { minorUnitDigits, type Money } from '../../model/primitives';
import type { GovernedHttpClient, VendorRequest, VendorResponse } from '../../integrations/governed-http';
import { parseSecret, type SecretsPort } from '../../integrations/secrets';
import { capRawResponse, PermanentVendorError } from '../../integrations/vendor-errors';
import { parseVendorShape, readVendorJson, type VendorCallSite } from '../../integrations/vendor-json';

/** The Business Central API version these connectors speak; the catalogue records the same. */
export const BUSINESS_CENTRAL_API_VERSION = 'v2.0';

/** The vendor system name vendor errors carry. */
export const BUSINESS_CENTRAL_SYSTEM = 'business-central';

/** What the Business Central secret holds: a Microsoft Entra app registration and the company to use. */
export const BusinessCentralSecret = z.object({
  tenantId: z.string().min(1),
  environment: z.string().min(1),
  companyId: z.string().min(1),
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  authorityUrl: z.url().default('https://login.microsoftonline.com'),
  apiUrl: z.url().default('https://api.businesscentral.dynamics.com'),
  /** G/L account invoice draft lines post revenue to (lineType `Account`); needed only by invoices. */
  salesAccountNumber: z.string().min(1).max(20).optional(),
  /** G/L account purchase order lines post cost to (lineType `Account`); needed only by purchase orders. */
  purchaseAccountNumber: z.string().min(1).max(20).optional(),
});
/** Typed {@link BusinessCentralSecret}. */
export type BusinessCentralSecret = z.infer<typeof BusinessCentralSecret>;

/** Which API a path lives in: the standard v2.0 API, or psflow's per-tenant extension pages. */
export type BusinessCentralApiKind = 'standard' | 'extension';

const TokenResponse = z.object({ access_token: z.string().min(1), expires_in: z.number().positive() });
const ODataError = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
const Collection = z.object({ value: z.array(z.unknown()) });
/** Any Business Central entity: its id and whatever else the caller's schema reads. */
const Entity = z.looseObject({ id: z.string().min(1) });
/** Typed {@link Entity}. */
export type BusinessCentralEntity = z.infer<typeof Entity>;

/**
 * The Dynamics 365 Business Central API v2.0 over the governed HTTP client, shared by every
 * Business Central adapter (projects, invoices, purchase orders):
 *
 * - Auth is Microsoft Entra client credentials; the token is cached until a minute before it
 *   expires and fetched afresh once on a 401, after which a second 401 is a permanent error.
 * - Throttling (429 with Retry-After), 5xx and timeouts are retried by the governed client per
 *   the API catalogue; what reaches here unsuccessful is the vendor refusing the request, read
 *   from its OData `{"error":{"code","message"}}` body into a typed error with the raw body capped.
 * - Business Central has no idempotency header, so adapters make writes idempotent by reading
 *   before writing on a number or reference derived from psflow's idempotency key.
 */
export class BusinessCentralApi {
  private token: { value: string; until: number } | undefined;
  private secretValue: BusinessCentralSecret | undefined;

  constructor(
    private readonly http: GovernedHttpClient,
    private readonly secrets: SecretsPort,
    private readonly secretName: string,
    private readonly now: () => number = Date.now,
    /** The port name errors carry. */
    readonly connector = 'erp',
  ) {}

  /** The stage's Business Central secret, read once. */
  async secret(): Promise<BusinessCentralSecret> {
    this.secretValue ??= parseSecret(
      this.secretName,
      await this.secrets.getSecret(this.secretName),
      BusinessCentralSecret,
    );
    return this.secretValue;
  }

  /** The first entity of a filtered entity set, or undefined. */
  async findOne(
    operation: string,
    api: BusinessCentralApiKind,
    entitySet: string,
    filter: string,
    expand?: string,
  ): Promise<BusinessCentralEntity | undefined> {
    const [first] = await this.list(operation, api, entitySet, filter, expand);
    return first === undefined ? undefined : this.parse(operation, Entity, first, `a ${entitySet} entity`);
  }

  /** The `value` of an entity set, optionally filtered (`$filter`) and expanded (`$expand`). */
  async list(
    operation: string,
    api: BusinessCentralApiKind,
    entitySet: string,
    filter?: string,
    expand?: string,
  ): Promise<unknown[]> {
    const query = [
      ...(filter === undefined ? [] : [`$filter=${encodeURIComponent(filter)}`]),
      ...(expand === undefined ? [] : [`$expand=${encodeURIComponent(expand)}`]),
    ];
    const path = query.length === 0 ? entitySet : `${entitySet}?${query.join('&')}`;
    const response = await this.call(operation, 'GET', api, path);
    this.refuseErrors(operation, response);
    const body = readVendorJson(this.site(operation), response);
    return parseVendorShape(this.site(operation), Collection, body, `the ${entitySet} collection`, response.text).value;
  }

  /** Creates (POST) or changes (PATCH, any version) an entity and returns it as Business Central holds it. */
  async write(
    operation: string,
    method: 'POST' | 'PATCH',
    api: BusinessCentralApiKind,
    path: string,
    body: Record<string, unknown>,
  ): Promise<BusinessCentralEntity> {
    const response = await this.call(operation, method, api, path, JSON.stringify(body));
    this.refuseErrors(operation, response);
    const json = readVendorJson(this.site(operation), response);
    return parseVendorShape(
      this.site(operation),
      Entity,
      json,
      `the ${method} ${path.split(/[(?]/)[0]} answer`,
      response.text,
    );
  }

  /** Deletes an entity; one already gone (404) counts as deleted, so a repeat changes nothing. */
  async remove(operation: string, api: BusinessCentralApiKind, path: string): Promise<void> {
    const response = await this.call(operation, 'DELETE', api, path);
    if (response.status === 404) return;
    this.refuseErrors(operation, response);
  }

  /** Runs a bound action (`POST <entity>/Microsoft.NAV.<action>`, 204 without a body). */
  async action(operation: string, api: BusinessCentralApiKind, path: string, action: string): Promise<void> {
    const response = await this.call(operation, 'POST', api, `${path}/Microsoft.NAV.${action}`);
    this.refuseErrors(operation, response);
  }

  /** Parses a vendor value with a schema; a mismatch is a typed unexpected-shape error. */
  parse<Schema extends z.ZodType>(operation: string, schema: Schema, value: unknown, what: string): z.output<Schema> {
    return parseVendorShape(this.site(operation), schema, value, what, JSON.stringify(value));
  }

  /** A permanent refusal that psflow itself decides (bad configuration, data Business Central would refuse). */
  refused(operation: string, message: string): PermanentVendorError {
    return new PermanentVendorError(
      this.connector,
      operation,
      { system: BUSINESS_CENTRAL_SYSTEM, kind: 'rejected' },
      message,
    );
  }

  /** The call site of an operation, for vendor errors. */
  site(operation: string): VendorCallSite {
    return { system: BUSINESS_CENTRAL_SYSTEM, connector: this.connector, operation };
  }

  private async call(
    operation: string,
    method: VendorRequest['method'],
    api: BusinessCentralApiKind,
    path: string,
    body?: string,
  ): Promise<VendorResponse> {
    const secret = await this.secret();
    const apiPath = api === 'standard' ? `api/${BUSINESS_CENTRAL_API_VERSION}` : 'api/psflow/professionalServices/v1.0';
    const url = `${secret.apiUrl.replace(/\/$/, '')}/v2.0/${secret.tenantId}/${secret.environment}/${apiPath}/companies(${secret.companyId})/${path}`;
    for (let attempt = 1; ; attempt++) {
      const token = await this.accessToken(operation, secret);
      const response = await this.http.send(operation, {
        method,
        url,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          // Closing, voiding and deleting apply whatever the current version; each is idempotent.
          ...(method === 'PATCH' || method === 'DELETE' ? { 'if-match': '*' } : {}),
        },
        body,
      });
      if (response.status !== 401) return response;
      this.token = undefined;
      if (attempt >= 2)
        throw new PermanentVendorError(
          this.connector,
          operation,
          {
            system: BUSINESS_CENTRAL_SYSTEM,
            kind: 'unauthorized',
            status: 401,
            rawResponse: capRawResponse(response.text),
          },
          'a freshly issued token was refused; check the app registration and its permissions in Business Central',
        );
    }
  }

  private async accessToken(operation: string, secret: BusinessCentralSecret): Promise<string> {
    if (this.token && this.token.until > this.now()) return this.token.value;
    const response = await this.http.send(`${operation}.token`, {
      method: 'POST',
      url: `${secret.authorityUrl.replace(/\/$/, '')}/${secret.tenantId}/oauth2/v2.0/token`,
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: secret.clientId,
        client_secret: secret.clientSecret,
        scope: 'https://api.businesscentral.dynamics.com/.default',
      }).toString(),
    });
    const site = this.site(operation);
    const body = readVendorJson(site, response);
    if (response.status !== 200)
      throw new PermanentVendorError(
        this.connector,
        operation,
        {
          system: BUSINESS_CENTRAL_SYSTEM,
          kind: 'unauthorized',
          status: response.status,
          rawResponse: capRawResponse(response.text),
        },
        'Microsoft Entra refused the client credentials',
      );
    const token = parseVendorShape(site, TokenResponse, body, 'the token response', '(token response withheld)');
    // A minute early, so a token never expires in flight.
    this.token = { value: token.access_token, until: this.now() + (token.expires_in - 60) * 1000 };
    return token.access_token;
  }

  private refuseErrors(operation: string, response: VendorResponse): void {
    if (response.status >= 200 && response.status < 300) return;
    const error = ODataError.safeParse(safeJson(response.text));
    throw new PermanentVendorError(
      this.connector,
      operation,
      {
        system: BUSINESS_CENTRAL_SYSTEM,
        kind: 'rejected',
        status: response.status,
        rawResponse: capRawResponse(response.text),
      },
      error.success
        ? `${error.data.error.code}: ${error.data.error.message}`
        : `HTTP ${response.status} without an OData error body`,
    );
  }
}

/**
 * A Business Central Code[20] number derived from a psflow identity: the prefix and a hash,
 * so a repeated create finds the first record by number.
 */
export function derivedNumber(prefix: string, identity: string, length = 20): string {
  return `${prefix}${createHash('sha256')
    .update(identity)
    .digest('hex')
    .slice(0, length - prefix.length)
    .toUpperCase()}`;
}

/** An amount in major units, as Business Central's decimal fields hold it. */
export function major(money: Money): number {
  return money.amountMinor / 10 ** minorUnitDigits(money.currency);
}

/** OData string literals double their quotes. */
export function odata(value: string): string {
  return value.replace(/'/g, "''");
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
