import * as z from 'zod';
import type { GovernedHttpClient, VendorRequest, VendorResponse } from '../../integrations/governed-http';
import { parseSecret, type SecretsPort } from '../../integrations/secrets';
import { capRawResponse, PermanentVendorError, RetryableVendorError } from '../../integrations/vendor-errors';
import { parseVendorShape, readVendorJson, type VendorCallSite } from '../../integrations/vendor-json';

/** The Kantata OX API version this connector speaks; the catalogue records the same. */
export const KANTATA_API_VERSION = 'v1';

/** The `service_name` psflow's external references carry in Kantata. */
export const KANTATA_SERVICE_NAME = 'psflow';

/** Largest page Kantata serves (`per_page` maximum). */
export const KANTATA_PAGE_SIZE = 200;

/** Most pages one listing reads: 200 x 200 records, far beyond one project's month. */
const MAX_PAGES = 200;

/**
 * What the Kantata secret holds. Kantata OX issues OAuth bearer tokens through the
 * authorization-code flow for an integration user, and they do not expire: there is no refresh
 * flow, so the token itself is the credential, rotated by writing a new one to the secret.
 */
export const KantataSecret = z.object({
  accessToken: z.string().min(1),
  /** The API root; another host only for a Kantata sandbox or a test's fake server. */
  apiUrl: z.url().default('https://api.mavenlink.com/api/v1'),
});
type KantataSecret = z.infer<typeof KantataSecret>;

/** Kantata's error body: `{"errors":[{"type","message","field"?}]}`. */
const KantataErrors = z.object({
  errors: z.array(z.object({ type: z.string(), message: z.string(), field: z.string().optional() })).min(1),
});

/** Every Kantata answer: `count`, `results` (the canonical order) and one id-keyed map per type. */
const KantataEnvelope = z.looseObject({
  count: z.number().int().nonnegative().optional(),
  results: z.array(z.object({ key: z.string().min(1), id: z.union([z.string().min(1), z.number()]) })),
});

/** One Kantata object: its id (a string on the wire) and whatever else its schema reads. */
const KantataObject = z.looseObject({ id: z.union([z.string().min(1), z.number()]) });

/** Query parameters of a Kantata request. */
export type KantataQuery = Readonly<Record<string, string | number | boolean>>;

/**
 * The Kantata OX API v1 over the governed HTTP client: the bearer token from Secrets Manager,
 * `results` resolved against the per-type maps, `page`/`per_page` pagination read to the
 * answer's `count`, and `{"errors":[...]}` bodies turned into typed errors naming Kantata. The
 * three PSA ports' Kantata connectors share it.
 */
export class KantataApi {
  private secret: KantataSecret | undefined;

  constructor(
    private readonly http: GovernedHttpClient,
    private readonly secrets: SecretsPort,
    private readonly secretName: string,
    /** The port name errors carry. */
    readonly connector = 'psa',
  ) {}

  /** Every object of a listing, across its pages, in Kantata's order. */
  async list(operation: string, path: string, query: KantataQuery = {}): Promise<Record<string, unknown>[]> {
    return (await this.listIncluding(operation, path, query)).objects;
  }

  /**
   * A listing with what it asked to `include`: the objects in Kantata's order, and the included
   * associations of one type (`included`, e.g. `external_references`) by id, across all pages.
   */
  async listIncluding(
    operation: string,
    path: string,
    query: KantataQuery,
    included?: string,
  ): Promise<{ objects: Record<string, unknown>[]; included: Map<string, Record<string, unknown>> }> {
    const objects: Record<string, unknown>[] = [];
    const associations = new Map<string, Record<string, unknown>>();
    for (let page = 1; page <= MAX_PAGES; page++) {
      const response = await this.call(operation, 'GET', path, { ...query, page, per_page: KANTATA_PAGE_SIZE });
      const { objects: batch, count, body } = this.resolve(operation, response);
      objects.push(...batch);
      if (included !== undefined) {
        const map = body[included];
        for (const [id, value] of Object.entries(typeof map === 'object' && map !== null ? map : {})) {
          const association = KantataObject.safeParse(value);
          if (association.success) associations.set(id, association.data);
        }
      }
      // A page shorter than asked is the last one; `count` says so too when the listing is exact.
      if (batch.length < KANTATA_PAGE_SIZE || (count !== undefined && objects.length >= count))
        return { objects, included: associations };
    }
    throw new PermanentVendorError(
      this.connector,
      operation,
      { system: 'kantata', kind: 'unexpected-shape' },
      `${path} did not end within ${MAX_PAGES} pages of ${KANTATA_PAGE_SIZE}; the filter is too wide`,
    );
  }

  /**
   * Creates one object, or several in one bulk request (`{"<plural>":[...]}`, up to 200), and
   * returns the created objects in the order sent. A bulk answer holding fewer objects than
   * sent is a partial failure: the error names how many were created, so a retry can resume.
   */
  async create(
    operation: string,
    path: string,
    singular: string,
    plural: string,
    bodies: readonly Record<string, unknown>[],
  ): Promise<Record<string, unknown>[]> {
    const body = bodies.length === 1 ? { [singular]: bodies[0] } : { [plural]: bodies };
    const response = await this.call(operation, 'POST', path, {}, body);
    const { objects } = this.resolve(operation, response);
    if (objects.length !== bodies.length)
      throw new PermanentVendorError(
        this.connector,
        operation,
        {
          system: 'kantata',
          kind: 'partial-failure',
          status: response.status,
          rawResponse: capRawResponse(response.text),
        },
        `the bulk create of ${bodies.length} ${plural} answered with ${objects.length}; the rest were not created`,
      );
    return objects;
  }

  /** Updates one object (`PUT <path>/<id>.json`), returning it as Kantata now holds it. */
  async update(
    operation: string,
    path: string,
    id: string,
    singular: string,
    fields: Record<string, unknown>,
  ): Promise<Record<string, unknown>> {
    const response = await this.call(operation, 'PUT', `${path}/${id}`, {}, { [singular]: fields });
    const { objects } = this.resolve(operation, response);
    const [object] = objects;
    if (object === undefined)
      throw new PermanentVendorError(
        this.connector,
        operation,
        { system: 'kantata', kind: 'unexpected-shape', rawResponse: capRawResponse(response.text) },
        `the update of ${path}/${id} answered without the object`,
      );
    return object;
  }

  /** Deletes one object; one already gone counts as deleted, so a repeat changes nothing. */
  async remove(operation: string, path: string, id: string): Promise<void> {
    try {
      await this.call(operation, 'DELETE', `${path}/${id}`, {});
    } catch (error) {
      if (error instanceof PermanentVendorError && error.details.status === 404) return;
      throw error;
    }
  }

  /** The call site of an operation, for vendor errors. */
  site(operation: string): VendorCallSite {
    return { system: 'kantata', connector: this.connector, operation };
  }

  private resolve(
    operation: string,
    response: VendorResponse,
  ): { objects: Record<string, unknown>[]; count: number | undefined; body: Record<string, unknown> } {
    const site = this.site(operation);
    const body = parseVendorShape(site, KantataEnvelope, readVendorJson(site, response), 'the answer', response.text);
    const objects = body.results.map((reference, index) => {
      const object = member(body[reference.key], String(reference.id));
      return parseVendorShape(
        site,
        KantataObject,
        object,
        `results[${index}] (${reference.key} ${reference.id})`,
        response.text,
      );
    });
    return { objects, count: body.count, body };
  }

  private async call(
    operation: string,
    method: VendorRequest['method'],
    path: string,
    query: KantataQuery,
    body?: Record<string, unknown>,
  ): Promise<VendorResponse> {
    const search = new URLSearchParams(
      Object.entries(query).map(([name, value]): [string, string] => [name, String(value)]),
    );
    const suffix = search.size === 0 ? '' : `?${search.toString()}`;
    for (let attempt = 1; ; attempt++) {
      const secret = await this.loadSecret();
      const response = await this.http.send(operation, {
        method,
        url: `${secret.apiUrl.replace(/\/$/, '')}/${path}.json${suffix}`,
        headers: {
          authorization: `Bearer ${secret.accessToken}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (response.status === 401) {
        // Kantata tokens never expire, so a 401 means revoked or rotated: read the secret afresh
        // once (a rotation may have stored a new token), then stop with a clear instruction.
        const stale = secret.accessToken;
        this.secret = undefined;
        this.secrets.forget?.(this.secretName);
        const fresh = await this.loadSecret();
        if (attempt < 2 && fresh.accessToken !== stale) continue;
        throw new PermanentVendorError(
          this.connector,
          operation,
          { system: 'kantata', kind: 'unauthorized', status: 401, rawResponse: capRawResponse(response.text) },
          `Kantata refused the access token in ${this.secretName} (${this.errorText(response)}); Kantata tokens do not expire and have no refresh flow, so the token was revoked: authorize the integration user again and store the new token with \`psflow secrets set kantata\``,
        );
      }
      if (response.status >= 200 && response.status < 300) return response;
      throw this.rejected(operation, response);
    }
  }

  private rejected(operation: string, response: VendorResponse): PermanentVendorError | RetryableVendorError {
    const details = {
      system: 'kantata',
      kind: 'rejected' as const,
      status: response.status,
      rawResponse: capRawResponse(response.text),
    };
    // 409 is Kantata refusing a change that raced another one; asking again after a read settles it.
    if (response.status === 409)
      return new RetryableVendorError(this.connector, operation, details, this.errorText(response));
    return new PermanentVendorError(this.connector, operation, details, this.errorText(response));
  }

  private errorText(response: VendorResponse): string {
    const parsed = KantataErrors.safeParse(safeJson(response.text));
    if (!parsed.success) return `HTTP ${response.status} without a Kantata errors body`;
    return parsed.data.errors
      .map((error) => `${error.type}: ${error.message}${error.field === undefined ? '' : ` (field ${error.field})`}`)
      .join('; ');
  }

  private async loadSecret(): Promise<KantataSecret> {
    this.secret ??= parseSecret(this.secretName, await this.secrets.getSecret(this.secretName), KantataSecret);
    return this.secret;
  }
}

/** A Kantata id as psflow keeps it: ids are strings on the wire, numbers in a few older answers. */
export function kantataId(value: unknown): string {
  return typeof value === 'number' ? String(value) : typeof value === 'string' ? value : '';
}

/** An own member of a JSON object, or undefined: the per-type maps are keyed by id. */
function member(map: unknown, key: string): unknown {
  if (typeof map !== 'object' || map === null) return undefined;
  const value: unknown = Object.getOwnPropertyDescriptor(map, key)?.value;
  return value;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
