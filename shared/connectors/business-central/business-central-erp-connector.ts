import { createHash } from 'node:crypto';
import * as z from 'zod';
import { minorUnitDigits, type Money } from '../../model/primitives';
import type { GovernedHttpClient, VendorRequest, VendorResponse } from '../../integrations/governed-http';
import { parseSecret, type SecretsPort } from '../../integrations/secrets';
import { capRawResponse, PermanentVendorError, RetryableVendorError } from '../../integrations/vendor-errors';
import { RetryableConnectorError } from '../connector-errors';
import { parseVendorShape, readVendorJson, type VendorCallSite } from '../../integrations/vendor-json';
import type { BillingArrangement, ErpConnector, ErpProject, ErpProjectRequest } from '../erp/erp-connector';

/** The Business Central API version this connector speaks; the catalogue records the same. */
export const BUSINESS_CENTRAL_API_VERSION = 'v2.0';

/** What the Business Central secret holds: a Microsoft Entra app registration and the company to use. */
export const BusinessCentralSecret = z.object({
  tenantId: z.string().min(1),
  environment: z.string().min(1),
  companyId: z.string().min(1),
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  authorityUrl: z.url().default('https://login.microsoftonline.com'),
  apiUrl: z.url().default('https://api.businesscentral.dynamics.com'),
});
type BusinessCentralSecret = z.infer<typeof BusinessCentralSecret>;

const TokenResponse = z.object({ access_token: z.string().min(1), expires_in: z.number().positive() });
const ODataError = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
const Collection = z.object({ value: z.array(z.unknown()) });
const Entity = z.object({ id: z.string().min(1) });
const BillingEntity = z.object({ id: z.string().min(1), status: z.string() });

/**
 * The ERP port over the Dynamics 365 Business Central API v2.0 (pinned
 * {@link BUSINESS_CENTRAL_API_VERSION}).
 *
 * - Projects are the standard `projects` entity, numbered `PSF` plus a hash of the psflow
 *   project id, so a repeated create finds the first one (`$filter=number eq ...`): Business
 *   Central has no idempotency header, so idempotency is read-before-write on a derived key.
 * - Budgets, billing arrangements and project status have no standard v2.0 entity; they are the
 *   API pages of a small per-tenant extension, `api/psflow/professionalServices/v1.0`
 *   (`projectBudgets`, `billingArrangements`, `projects` with `status`), each keyed by
 *   `externalId` = psflow's idempotency key. Compensation closes and voids, never deletes.
 * - Auth is Microsoft Entra client credentials; the token is cached until shortly before it
 *   expires and fetched afresh once on a 401.
 */
export class BusinessCentralErpConnector implements ErpConnector {
  private token: { value: string; until: number } | undefined;
  private secret: BusinessCentralSecret | undefined;

  constructor(
    private readonly http: GovernedHttpClient,
    private readonly secrets: SecretsPort,
    private readonly secretName: string,
    private readonly now: () => number = Date.now,
  ) {}

  async createProject(_idempotencyKey: string, request: ErpProjectRequest): Promise<ErpProject> {
    const operation = 'createProject';
    const number = projectNumber(request.psflowProjectId);
    const existing = await this.findOne(operation, 'standard', 'projects', `number eq '${number}'`);
    if (existing) return { erpProjectId: existing.id, status: 'open' };
    const created = await this.write(operation, 'POST', 'standard', 'projects', {
      number,
      displayName: request.name.slice(0, 100),
    });
    return { erpProjectId: created.id, status: 'open' };
  }

  async setBudgetBaseline(
    idempotencyKey: string,
    erpProjectId: string,
    budget: Money,
    psflowProjectId: string,
  ): Promise<{ baselineId: string }> {
    const operation = 'setBudgetBaseline';
    const existing = await this.findOne(
      operation,
      'extension',
      'projectBudgets',
      `externalId eq '${odata(idempotencyKey)}'`,
    );
    if (existing) return { baselineId: existing.id };
    const created = await this.write(operation, 'POST', 'extension', 'projectBudgets', {
      externalId: idempotencyKey,
      projectId: erpProjectId,
      psflowProjectId,
      amount: major(budget),
      currencyCode: budget.currency,
    });
    return { baselineId: created.id };
  }

  async setBilling(
    idempotencyKey: string,
    erpProjectId: string,
    billing: BillingArrangement,
    psflowProjectId: string,
  ): Promise<{ billingId: string }> {
    const operation = 'setBilling';
    const existing = await this.findOne(
      operation,
      'extension',
      'billingArrangements',
      `externalId eq '${odata(idempotencyKey)}'`,
    );
    if (existing) return { billingId: existing.id };
    const lines =
      billing.kind === 'rate-card'
        ? billing.rates.map((rate) => ({
            description: rate.role,
            amount: major(rate.rate),
            currencyCode: rate.rate.currency,
          }))
        : billing.milestones.map((milestone) => ({
            description: milestone.name,
            dueDate: milestone.dueDate,
            amount: major(milestone.amount),
            currencyCode: milestone.amount.currency,
          }));
    const created = await this.write(operation, 'POST', 'extension', 'billingArrangements', {
      externalId: idempotencyKey,
      projectId: erpProjectId,
      psflowProjectId,
      kind: billing.kind,
      status: 'Active',
      lines,
    });
    return { billingId: created.id };
  }

  async closeProject(_idempotencyKey: string, erpProjectId: string, reason: string): Promise<ErpProject> {
    await this.write('closeProject', 'PATCH', 'extension', `projects(${erpProjectId})`, {
      status: 'Completed',
      closingReason: reason.slice(0, 250),
    });
    return { erpProjectId, status: 'closed' };
  }

  async voidBilling(
    _idempotencyKey: string,
    billingId: string,
    reason: string,
  ): Promise<{ billingId: string; status: 'void' }> {
    await this.write('voidBilling', 'PATCH', 'extension', `billingArrangements(${billingId})`, {
      status: 'Void',
      voidReason: reason.slice(0, 250),
    });
    return { billingId, status: 'void' };
  }

  async compensateProject(psflowProjectId: string, reason: string): Promise<string[]> {
    const operation = 'compensateProject';
    const project = await this.findOne(
      operation,
      'standard',
      'projects',
      `number eq '${projectNumber(psflowProjectId)}'`,
    );
    if (!project) return [];
    const arrangements = await this.list(operation, 'extension', 'billingArrangements', `projectId eq ${project.id}`);
    const done: string[] = [];
    for (const value of arrangements) {
      const arrangement = parseVendorShape(
        this.site(operation),
        BillingEntity,
        value,
        'a billing arrangement',
        JSON.stringify(value),
      );
      if (arrangement.status === 'Void') continue;
      try {
        await this.voidBilling(`void-${arrangement.id}`, arrangement.id, reason);
      } catch (error) {
        // What was done stays done; the error says what is left, and keeps the cause's retryability.
        const message = `partial failure: ${done.length ? done.join(', ') : 'nothing done'}, then billing ${arrangement.id} failed (${error instanceof Error ? error.message : String(error)}); project ${project.id} is still open`;
        const details = { system: 'business-central', kind: 'partial-failure' as const };
        throw error instanceof RetryableConnectorError
          ? new RetryableVendorError('erp', operation, details, message, { cause: error })
          : new PermanentVendorError('erp', operation, details, message, { cause: error });
      }
      done.push(`billing ${arrangement.id} voided`);
    }
    await this.closeProject(`close-${project.id}`, project.id, reason);
    return [...done, `project ${project.id} closed`];
  }

  private async findOne(
    operation: string,
    api: 'standard' | 'extension',
    entitySet: string,
    filter: string,
  ): Promise<{ id: string } | undefined> {
    const [first] = await this.list(operation, api, entitySet, filter);
    return first === undefined
      ? undefined
      : parseVendorShape(this.site(operation), Entity, first, `a ${entitySet} entity`, JSON.stringify(first));
  }

  private async list(
    operation: string,
    api: 'standard' | 'extension',
    entitySet: string,
    filter: string,
  ): Promise<unknown[]> {
    const response = await this.call(operation, 'GET', api, `${entitySet}?$filter=${encodeURIComponent(filter)}`);
    this.refuseErrors(operation, response);
    const body = readVendorJson(this.site(operation), response);
    return parseVendorShape(this.site(operation), Collection, body, `the ${entitySet} collection`, response.text).value;
  }

  private async write(
    operation: string,
    method: 'POST' | 'PATCH',
    api: 'standard' | 'extension',
    path: string,
    body: Record<string, unknown>,
  ): Promise<{ id: string }> {
    const response = await this.call(operation, method, api, path, JSON.stringify(body));
    this.refuseErrors(operation, response);
    const json = readVendorJson(this.site(operation), response);
    return parseVendorShape(
      this.site(operation),
      Entity,
      json,
      `the ${method} ${path.split('(')[0]} answer`,
      response.text,
    );
  }

  private async call(
    operation: string,
    method: VendorRequest['method'],
    api: 'standard' | 'extension',
    path: string,
    body?: string,
  ): Promise<VendorResponse> {
    const secret = await this.loadSecret();
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
          // Closing and voiding apply whatever the current version; the change is idempotent.
          ...(method === 'PATCH' ? { 'if-match': '*' } : {}),
        },
        body,
      });
      if (response.status !== 401) return response;
      this.token = undefined;
      if (attempt >= 2)
        throw new PermanentVendorError(
          'erp',
          operation,
          { system: 'business-central', kind: 'unauthorized', status: 401, rawResponse: capRawResponse(response.text) },
          'a freshly issued token was refused; check the app registration and its permissions in Business Central',
        );
    }
  }

  private async loadSecret(): Promise<BusinessCentralSecret> {
    this.secret ??= parseSecret(this.secretName, await this.secrets.getSecret(this.secretName), BusinessCentralSecret);
    return this.secret;
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
        'erp',
        operation,
        {
          system: 'business-central',
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
      'erp',
      operation,
      {
        system: 'business-central',
        kind: 'rejected',
        status: response.status,
        rawResponse: capRawResponse(response.text),
      },
      error.success
        ? `${error.data.error.code}: ${error.data.error.message}`
        : `HTTP ${response.status} without an OData error body`,
    );
  }

  private site(operation: string): VendorCallSite {
    return { system: 'business-central', connector: 'erp', operation };
  }
}

/** `PSF` and 17 hex digits of the psflow project id's hash: Business Central numbers are Code[20]. */
export function projectNumber(psflowProjectId: string): string {
  return `PSF${createHash('sha256').update(psflowProjectId).digest('hex').slice(0, 17).toUpperCase()}`;
}

function major(money: Money): number {
  return money.amountMinor / 10 ** minorUnitDigits(money.currency);
}

/** OData string literals double their quotes. */
function odata(value: string): string {
  return value.replace(/'/g, "''");
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
