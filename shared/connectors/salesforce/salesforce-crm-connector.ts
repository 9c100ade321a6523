import * as z from 'zod';
import { minorUnitDigits } from '../../model/primitives';
import type { GovernedHttpClient, VendorRequest, VendorResponse } from '../../integrations/governed-http';
import { parseSecret, type SecretsPort } from '../../integrations/secrets';
import { capRawResponse, PermanentVendorError, RetryableVendorError } from '../../integrations/vendor-errors';
import { parseVendorShape, readVendorJson, type VendorCallSite } from '../../integrations/vendor-json';
import type { CrmAccountFacts, CrmConnector, CrmOpportunityFacts, CrmStatementOfWork } from '../crm/crm-connector';

/** The Salesforce REST API version this connector speaks; the catalogue records the same. */
export const SALESFORCE_API_VERSION = 'v62.0';

/** What the Salesforce secret holds: a connected app's client-credentials flow. */
export const SalesforceSecret = z.object({
  /** The org's My Domain URL, e.g. `https://acme.my.salesforce.com` (the token endpoint lives there). */
  loginUrl: z.url(),
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
});

const TokenResponse = z.object({
  access_token: z.string().min(1),
  instance_url: z.url(),
  token_type: z.string().optional(),
  issued_at: z.string().optional(),
});

/** Salesforce's error body: `[{"message","errorCode","fields"?}]`. */
const SalesforceErrors = z.array(
  z.object({ message: z.string(), errorCode: z.string(), fields: z.array(z.string()).optional() }),
);

const text = z.string().nullable().optional();

/** The Opportunity fields read; extra fields the org adds are tolerated (additive change), wrong types are not. */
const OpportunityRecord = z.object({
  Id: z.string().min(15),
  AccountId: z.string().nullable(),
  Name: z.string(),
  StageName: z.string(),
  IsWon: z.boolean(),
  IsClosed: z.boolean(),
  Amount: z.number().nullable(),
  CurrencyIsoCode: text,
  CloseDate: text,
  Region__c: text,
  Practice__c: text,
  Billing_Model__c: text,
  Contract_Start__c: text,
  Contract_End__c: text,
  Discount__c: z.number().nullable().optional(),
  Type: text,
  SyncedQuoteId: z.string().nullable().optional(),
});

const AccountRecord = z.object({
  Id: z.string().min(15),
  Name: z.string(),
  Region__c: text,
  New_Client__c: z.boolean().nullable().optional(),
});

/**
 * A quote line is one role of the statement of work: the product is the role, Quantity the
 * hours, UnitPrice the hourly rate in the quote's currency, ServiceDate the start, and two
 * custom fields hold the end date and the skills (a multi-select picklist, `;`-separated).
 */
const QuoteLineRecord = z.object({
  Id: z.string().min(15),
  Product2: z.object({ Name: z.string().min(1) }),
  Quantity: z.number().positive(),
  UnitPrice: z.number().nonnegative(),
  CurrencyIsoCode: z.string().length(3),
  ServiceDate: z.string(),
  End_Date__c: z.string(),
  Skills__c: z.string().nullable().optional(),
});

const QueryResult = z.object({ totalSize: z.number(), done: z.boolean(), records: z.array(z.unknown()) });

const CompositeResponse = z.object({
  compositeResponse: z.array(z.object({ body: z.unknown(), httpStatusCode: z.number(), referenceId: z.string() })),
});

const OPPORTUNITY_FIELDS = Object.keys(OpportunityRecord.shape).join(',');
const ACCOUNT_FIELDS = Object.keys(AccountRecord.shape).join(',');
const QUOTE_LINE_SOQL =
  'SELECT Id, Product2.Name, Quantity, UnitPrice, CurrencyIsoCode, ServiceDate, End_Date__c, Skills__c FROM QuoteLineItem WHERE QuoteId = ';

/** `api-usage=25/15000`, read from Sforce-Limit-Info on every response. */
export interface SalesforceApiUsage {
  readonly used: number;
  readonly limit: number;
}

/** How long the records one composite call read answer the calls that follow it. */
const ENGAGEMENT_CACHE_MS = 10_000;

interface Engagement {
  readonly account?: CrmAccountFacts;
  readonly statementOfWork?: CrmStatementOfWork;
  readonly until: number;
}

/**
 * The CRM port over the Salesforce REST API (pinned {@link SALESFORCE_API_VERSION}).
 *
 * - Auth: OAuth 2.0 client credentials against the org's token endpoint; the access token is
 *   cached and fetched afresh once on a 401 (`INVALID_SESSION_ID`).
 * - The statement of work is the opportunity's synced Quote and its QuoteLineItems: standard
 *   objects every Sales Cloud org has, priced per line, and kept in step with the opportunity
 *   by Salesforce's quote sync, so no custom object has to be deployed to the org.
 * - One composite call reads the opportunity, its account and its quote lines; the account and
 *   the statement of work it returned answer the next calls for a few seconds.
 * - `Sforce-Limit-Info` is read on every response and kept in {@link apiUsage}.
 */
export class SalesforceCrmConnector implements CrmConnector {
  readonly system = 'salesforce' as const;
  /** The org's API usage as last reported. */
  apiUsage: SalesforceApiUsage | undefined;
  private session: Promise<{ accessToken: string; instanceUrl: string }> | undefined;
  private readonly engagements = new Map<string, Engagement>();

  constructor(
    private readonly http: GovernedHttpClient,
    private readonly secrets: SecretsPort,
    private readonly secretName: string,
    private readonly now: () => number = Date.now,
  ) {}

  async getOpportunity(opportunityId: string): Promise<CrmOpportunityFacts | undefined> {
    const operation = 'getOpportunity';
    const base = `/services/data/${SALESFORCE_API_VERSION}`;
    const { results, raw } = await this.composite(operation, [
      {
        method: 'GET',
        url: `${base}/sobjects/Opportunity/${encodeURIComponent(opportunityId)}?fields=${OPPORTUNITY_FIELDS}`,
        referenceId: 'opportunity',
      },
      {
        method: 'GET',
        url: `${base}/sobjects/Account/@{opportunity.AccountId}?fields=${ACCOUNT_FIELDS}`,
        referenceId: 'account',
      },
      {
        method: 'GET',
        url: `${base}/query?q=${encodeURIComponent(QUOTE_LINE_SOQL)}'@{opportunity.SyncedQuoteId}'`,
        referenceId: 'quoteLines',
      },
    ]);
    const site = this.site(operation);
    const opportunity = results.get('opportunity');
    if (!opportunity) throw this.shapeError(operation, 'the composite response has no opportunity result', raw);
    if (opportunity.httpStatusCode === 404) return undefined;
    if (opportunity.httpStatusCode !== 200) throw this.subrequestError(operation, 'opportunity', opportunity, raw);
    const record = parseVendorShape(site, OpportunityRecord, opportunity.body, `Opportunity ${opportunityId}`, raw);
    // The account and the lines depend on the opportunity; their own failure is a partial failure of this call.
    const account = results.get('account');
    const lines = results.get('quoteLines');
    const engagement: Engagement = { until: this.now() + ENGAGEMENT_CACHE_MS };
    const withAccount =
      record.AccountId && account?.httpStatusCode === 200
        ? {
            ...engagement,
            account: this.toAccount(
              parseVendorShape(site, AccountRecord, account.body, `Account ${record.AccountId}`, raw),
            ),
          }
        : engagement;
    const complete =
      record.SyncedQuoteId && lines?.httpStatusCode === 200
        ? { ...withAccount, statementOfWork: this.toStatementOfWork(opportunityId, lines.body, raw, operation) }
        : withAccount;
    if (record.AccountId && account && account.httpStatusCode !== 200 && account.httpStatusCode !== 404)
      throw this.subrequestError(operation, 'account', account, raw);
    if (record.SyncedQuoteId && lines && lines.httpStatusCode !== 200)
      throw this.subrequestError(operation, 'quoteLines', lines, raw);
    this.engagements.set(opportunityId, complete);
    if (complete.account) this.engagements.set(`account:${complete.account.accountId}`, complete);
    return {
      opportunityId: record.Id,
      accountId: record.AccountId,
      name: record.Name,
      stage: record.StageName,
      isWon: record.IsWon,
      isClosed: record.IsClosed,
      amount: record.Amount,
      currency: record.CurrencyIsoCode,
      closeDate: record.CloseDate,
      region: record.Region__c,
      practice: record.Practice__c,
      billingModel: record.Billing_Model__c,
      startDate: record.Contract_Start__c,
      endDate: record.Contract_End__c,
      discountPercent: record.Discount__c,
      dealType: record.Type,
    };
  }

  async getAccount(accountId: string): Promise<CrmAccountFacts | undefined> {
    const cached = this.fresh(`account:${accountId}`)?.account;
    if (cached) return cached;
    const operation = 'getAccount';
    const response = await this.call(operation, {
      method: 'GET',
      path: `/services/data/${SALESFORCE_API_VERSION}/sobjects/Account/${encodeURIComponent(accountId)}?fields=${ACCOUNT_FIELDS}`,
    });
    if (response.status === 404) return undefined;
    this.refuseErrors(operation, response);
    const body = readVendorJson(this.site(operation), response);
    return this.toAccount(
      parseVendorShape(this.site(operation), AccountRecord, body, `Account ${accountId}`, response.text),
    );
  }

  async getStatementOfWork(opportunityId: string): Promise<CrmStatementOfWork | undefined> {
    const cached = this.fresh(opportunityId);
    if (cached) return cached.statementOfWork;
    const opportunity = await this.getOpportunity(opportunityId);
    return opportunity === undefined ? undefined : this.fresh(opportunityId)?.statementOfWork;
  }

  private fresh(key: string): Engagement | undefined {
    const engagement = this.engagements.get(key);
    if (engagement && engagement.until > this.now()) return engagement;
    this.engagements.delete(key);
    return undefined;
  }

  private toAccount(record: z.infer<typeof AccountRecord>): CrmAccountFacts {
    return { accountId: record.Id, name: record.Name, region: record.Region__c, isNewClient: record.New_Client__c };
  }

  private toStatementOfWork(
    opportunityId: string,
    body: unknown,
    raw: string,
    operation: string,
  ): CrmStatementOfWork | undefined {
    const site = this.site(operation);
    const result = parseVendorShape(site, QueryResult, body, 'the quote line query result', raw);
    if (result.records.length === 0) return undefined;
    const roleLines = result.records.map((value, index) => {
      const line = parseVendorShape(site, QuoteLineRecord, value, `QuoteLineItem ${index}`, raw);
      const digits = minorUnitDigits(line.CurrencyIsoCode);
      return {
        lineId: line.Id,
        role: line.Product2.Name,
        skills: (line.Skills__c ?? '')
          .split(';')
          .map((skill) => skill.trim())
          .filter((skill) => skill.length > 0),
        hours: line.Quantity,
        rate: { amountMinor: Math.round(line.UnitPrice * 10 ** digits), currency: line.CurrencyIsoCode },
        startDate: line.ServiceDate,
        endDate: line.End_Date__c,
      };
    });
    return { opportunityId, roleLines };
  }

  private async composite(
    operation: string,
    compositeRequest: readonly { method: string; url: string; referenceId: string }[],
  ): Promise<{ results: Map<string, z.infer<typeof CompositeResponse>['compositeResponse'][number]>; raw: string }> {
    const response = await this.call(operation, {
      method: 'POST',
      path: `/services/data/${SALESFORCE_API_VERSION}/composite`,
      body: JSON.stringify({ allOrNone: false, compositeRequest }),
    });
    this.refuseErrors(operation, response);
    const body = readVendorJson(this.site(operation), response);
    const parsed = parseVendorShape(
      this.site(operation),
      CompositeResponse,
      body,
      'the composite response',
      response.text,
    );
    return {
      results: new Map(parsed.compositeResponse.map((result) => [result.referenceId, result])),
      raw: response.text,
    };
  }

  /** One authenticated call; a 401 fetches a new token and tries once more. */
  private async call(
    operation: string,
    request: { method: VendorRequest['method']; path: string; body?: string },
  ): Promise<VendorResponse> {
    for (let attempt = 1; ; attempt++) {
      const session = await this.currentSession(operation);
      const response = await this.http.send(operation, {
        method: request.method,
        url: `${session.instanceUrl}${request.path}`,
        headers: {
          authorization: `Bearer ${session.accessToken}`,
          accept: 'application/json',
          ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: request.body,
      });
      this.readLimitInfo(response.headers.get('sforce-limit-info'));
      if (response.status !== 401) return response;
      this.session = undefined;
      if (attempt >= 2)
        throw new PermanentVendorError(
          'crm',
          operation,
          { system: 'salesforce', kind: 'unauthorized', status: 401, rawResponse: capRawResponse(response.text) },
          'a freshly issued access token was refused; check the connected app and its user',
        );
    }
  }

  private currentSession(operation: string): Promise<{ accessToken: string; instanceUrl: string }> {
    this.session ??= this.requestToken(operation).catch((error: unknown) => {
      this.session = undefined;
      throw error;
    });
    return this.session;
  }

  private async requestToken(operation: string): Promise<{ accessToken: string; instanceUrl: string }> {
    const secret = parseSecret(this.secretName, await this.secrets.getSecret(this.secretName), SalesforceSecret);
    const response = await this.http.send(`${operation}.token`, {
      method: 'POST',
      url: `${secret.loginUrl.replace(/\/$/, '')}/services/oauth2/token`,
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: secret.clientId,
        client_secret: secret.clientSecret,
      }).toString(),
    });
    const site = this.site(operation);
    const body = readVendorJson(site, response);
    if (response.status !== 200) {
      const error = z.object({ error: z.string(), error_description: z.string().optional() }).safeParse(body);
      throw new PermanentVendorError(
        'crm',
        operation,
        {
          system: 'salesforce',
          kind: 'unauthorized',
          status: response.status,
          rawResponse: capRawResponse(response.text),
        },
        `the token endpoint refused the client credentials: ${error.success ? `${error.data.error} ${error.data.error_description ?? ''}`.trim() : 'no OAuth error body'}`,
      );
    }
    const token = parseVendorShape(site, TokenResponse, body, 'the token response', '(token response withheld)');
    return { accessToken: token.access_token, instanceUrl: token.instance_url.replace(/\/$/, '') };
  }

  private readLimitInfo(header: string | null): void {
    const match = /api-usage=(\d+)\/(\d+)/.exec(header ?? '');
    if (match) this.apiUsage = { used: Number(match[1]), limit: Number(match[2]) };
  }

  /** Non-2xx answers other than 401 and 404, in Salesforce's terms. */
  private refuseErrors(operation: string, response: VendorResponse): void {
    if (response.status >= 200 && response.status < 300) return;
    const errors = SalesforceErrors.safeParse(safeJson(response.text));
    const first = errors.success ? errors.data[0] : undefined;
    const details = { system: 'salesforce', status: response.status, rawResponse: capRawResponse(response.text) };
    const message = first
      ? `${first.errorCode}: ${first.message}`
      : `HTTP ${response.status} without a Salesforce error body`;
    if (first?.errorCode === 'REQUEST_LIMIT_EXCEEDED')
      throw new RetryableVendorError('crm', operation, { ...details, kind: 'throttled' }, message);
    throw new PermanentVendorError('crm', operation, { ...details, kind: 'rejected' }, message);
  }

  private subrequestError(
    operation: string,
    referenceId: string,
    result: { body: unknown; httpStatusCode: number },
    raw: string,
  ): Error {
    const errors = SalesforceErrors.safeParse(result.body);
    const first = errors.success ? errors.data[0] : undefined;
    const message = `partial failure: composite subrequest ${referenceId} answered ${result.httpStatusCode}${first ? ` ${first.errorCode}: ${first.message}` : ''}`;
    const details = {
      system: 'salesforce',
      kind: 'partial-failure' as const,
      status: result.httpStatusCode,
      rawResponse: capRawResponse(raw),
    };
    return result.httpStatusCode >= 500 || first?.errorCode === 'REQUEST_LIMIT_EXCEEDED'
      ? new RetryableVendorError('crm', operation, details, message)
      : new PermanentVendorError('crm', operation, details, message);
  }

  private shapeError(operation: string, message: string, raw: string): Error {
    return new PermanentVendorError(
      'crm',
      operation,
      { system: 'salesforce', kind: 'unexpected-shape', rawResponse: capRawResponse(raw) },
      message,
    );
  }

  private site(operation: string): VendorCallSite {
    return { system: 'salesforce', connector: 'crm', operation };
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
