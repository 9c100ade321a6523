import type { CrmConnector, CrmOpportunityFacts } from '../connectors/crm/crm-connector';
import { Opportunity } from '../model/entities';
import { IsoDate, minorUnitDigits, Practice, Region } from '../model/primitives';
import { RejectionReason, issuesFromZod, type RejectionIssue } from './ingestion-outcomes';

/**
 * Turns CRM facts (from the event, completed from the CRM) into a canonical Opportunity,
 * normalising the CRM's spellings: "ERP Advisory" becomes the practice `erp-advisory`,
 * "Time and Materials" the billing model `time-and-materials`, 486000 EUR the minor units
 * 48600000. Every problem is reported against the field it came from.
 */

/** Where a fact's value came from, so an operator knows whether to fix the event or the CRM. */
export type FactOrigin = 'event' | 'crm';

/** Inputs of {@link buildWonOpportunity}. */
export interface WonOpportunityInput {
  readonly facts: CrmOpportunityFacts;
  readonly factOrigin: (fact: keyof CrmOpportunityFacts) => FactOrigin;
  /** JSONPath of the source field that carries a fact, for error reports. */
  readonly fieldPath: (fact: keyof CrmOpportunityFacts) => string;
  readonly crm: CrmConnector;
}

/** The canonical opportunity, or why there is none. */
export type WonOpportunityResult =
  | { readonly kind: 'valid'; readonly opportunity: Opportunity }
  | {
      readonly kind: 'invalid';
      readonly reason: RejectionReason;
      readonly summary: string;
      readonly issues: readonly RejectionIssue[];
    };

const BILLING_MODELS: Record<string, Opportunity['billingModel']> = {
  timeandmaterials: 'time-and-materials',
  tm: 'time-and-materials',
  tandm: 'time-and-materials',
  fixedfee: 'fixed-fee',
  fixedprice: 'fixed-fee',
};

const NEW_CLIENT_DEAL_TYPES = new Set(['new business', 'new customer']);

/** ISO-4217 codes this runtime knows; Intl alone would accept any three letters. */
const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

/** Builds the canonical won opportunity, reading the account from the CRM. */
export async function buildWonOpportunity(input: WonOpportunityInput): Promise<WonOpportunityResult> {
  const { facts } = input;
  const issues: RejectionIssue[] = [];
  const problem = (fact: keyof CrmOpportunityFacts, message: string): undefined => {
    const origin = input.factOrigin(fact) === 'crm' ? ' (value read from the CRM)' : '';
    issues.push({ path: input.fieldPath(fact), message: `${message}${origin}` });
    return undefined;
  };
  const required = <K extends keyof CrmOpportunityFacts>(fact: K): NonNullable<CrmOpportunityFacts[K]> | undefined => {
    const value = facts[fact];
    if (value === undefined) return problem(fact, 'is required: absent from the event and unknown to the CRM');
    if (value === null) return problem(fact, 'is required but was cleared (null)');
    return value;
  };

  const name = required('name')?.trim();
  if (name !== undefined && (name.length === 0 || name.length > 255)) problem('name', 'must be 1 to 255 characters');
  const currency = required('currency');
  if (currency !== undefined && !CURRENCIES.has(currency))
    problem('currency', `${JSON.stringify(currency)} is not an ISO-4217 currency code`);
  const amountMinor = toMinorUnits(
    required('amount'),
    currency !== undefined && CURRENCIES.has(currency) ? currency : undefined,
    (message) => problem('amount', message),
  );
  const region = normaliseRegion(required('region'), (message) => problem('region', message));
  const practice = normalisePractice(required('practice'), (message) => problem('practice', message));
  const billingModel = normaliseBillingModel(required('billingModel'), (message) => problem('billingModel', message));
  const closeDate = normaliseDate(required('closeDate'), (message) => problem('closeDate', message));
  const startDate = optionalDate(facts.startDate, (message) => problem('startDate', message));
  const endDate = optionalDate(facts.endDate, (message) => problem('endDate', message));
  if (startDate && endDate && endDate < startDate)
    problem('endDate', `ends (${endDate}) before it starts (${startDate})`);
  const stage = facts.stage?.trim() || 'Closed Won';
  if (facts.stage !== undefined && facts.stage !== null && facts.stage.trim() === '')
    problem('stage', 'must not be empty');
  if (stage.length > 255) problem('stage', 'must be at most 255 characters');
  const ownerEmail = facts.ownerEmail ?? undefined;
  if (ownerEmail !== undefined && !Opportunity.shape.ownerEmail.safeParse(ownerEmail).success)
    problem('ownerEmail', `${JSON.stringify(ownerEmail)} is not an e-mail address`);
  const discount = facts.discountPercent ?? 0;
  if (!Number.isFinite(discount) || discount < 0 || discount > 100)
    problem('discountPercent', 'must be a percentage from 0 to 100');

  const accountId = required('accountId');
  const account = accountId === undefined ? undefined : await input.crm.getAccount(accountId);
  if (accountId !== undefined && account === undefined) {
    return {
      kind: 'invalid',
      reason: RejectionReason.CrmRecordNotFound,
      summary: `its account ${accountId} is unknown to the CRM`,
      issues: [
        ...issues,
        { path: input.fieldPath('accountId'), message: `account ${accountId} is unknown to the CRM` },
      ],
    };
  }
  const accountProblem = (message: string): undefined => {
    // Account facts always come from the CRM, whoever supplied the account id.
    issues.push({ path: input.fieldPath('accountId'), message: `${message} (value read from the CRM)` });
    return undefined;
  };
  const clientName = account?.name?.trim();
  if (account && !clientName) accountProblem(`account ${account.accountId} has no name`);
  if (clientName && clientName.length > 255)
    accountProblem(`account ${account?.accountId} has a name over 255 characters`);
  const clientRegion = account?.region
    ? normaliseRegion(account.region, (message) => accountProblem(`the account's region ${message}`))
    : region;
  const dealType = facts.dealType?.trim().toLowerCase();
  const isNew = dealType ? NEW_CLIENT_DEAL_TYPES.has(dealType) : (account?.isNewClient ?? false);

  if (issues.length > 0) {
    return {
      kind: 'invalid',
      reason: RejectionReason.IncompleteOpportunity,
      summary: issues.map((issue) => `${issue.path} ${issue.message}`).join('; '),
      issues,
    };
  }
  const opportunity = Opportunity.safeParse({
    opportunityId: { system: input.crm.system, id: facts.opportunityId },
    client: { clientId: { system: input.crm.system, id: accountId }, name: clientName, region: clientRegion, isNew },
    name,
    stage,
    amount: { amountMinor, currency },
    billingModel,
    region,
    practice,
    discountPercent: discount,
    closeDate,
    startDate,
    endDate,
    ownerEmail,
  });
  if (!opportunity.success) {
    // A safety net: the checks above should have caught it, but a bad value must never crash ingestion.
    const netIssues = issuesFromZod('$.canonical.opportunity', opportunity.error);
    return {
      kind: 'invalid',
      reason: RejectionReason.IncompleteOpportunity,
      summary: netIssues.map((issue) => `${issue.path} ${issue.message}`).join('; '),
      issues: netIssues,
    };
  }
  return { kind: 'valid', opportunity: opportunity.data };
}

/** Major units as a CRM stores them to minor units, or the problem with them. */
export function toMinorUnits(
  amount: number | undefined,
  currency: string | undefined,
  problem: (message: string) => undefined,
): number | undefined {
  if (amount === undefined || currency === undefined) return undefined;
  if (!Number.isFinite(amount) || amount < 0) return problem('must be a non-negative amount');
  const digits = minorUnitDigits(currency);
  // The shortest decimal form of a JSON number is the text the CRM sent; count its decimals there,
  // since any tolerance on the scaled float grows with the amount and lets fractions through.
  const text = String(amount);
  const decimals = text.includes('e') ? Number.POSITIVE_INFINITY : (text.split('.')[1] ?? '').length;
  if (decimals > digits) return problem(`has more than ${digits} decimals for ${currency}`);
  const minor = Math.round(amount * 10 ** digits);
  if (!Number.isSafeInteger(minor)) return problem('is too large to represent exactly');
  return minor;
}

/** A CRM's region text as a {@link Region}, or the problem with it. */
export function normaliseRegion(
  value: string | undefined,
  problem: (message: string) => undefined,
): Region | undefined {
  if (value === undefined) return undefined;
  const parsed = Region.safeParse(value.trim().toUpperCase());
  return parsed.success
    ? parsed.data
    : problem(`${JSON.stringify(value)} is not a region; expected one of ${Region.options.join(', ')}`);
}

/** A CRM's practice name as a practice slug, or the problem with it. */
export function normalisePractice(
  value: string | undefined,
  problem: (message: string) => undefined,
): string | undefined {
  if (value === undefined) return undefined;
  const slug = value
    .trim()
    .toLowerCase()
    .replace(/&/g, 'and')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return Practice.safeParse(slug).success
    ? slug
    : problem(`${JSON.stringify(value)} does not name a practice (letters, digits and spaces, 2 to 50 characters)`);
}

function normaliseBillingModel(
  value: string | undefined,
  problem: (message: string) => undefined,
): Opportunity['billingModel'] | undefined {
  if (value === undefined) return undefined;
  const key = value
    .toLowerCase()
    .replace(/&/g, 'and')
    .replace(/[^a-z]/g, '');
  return (
    BILLING_MODELS[key] ??
    problem(`${JSON.stringify(value)} is not a billing model; expected Time and Materials or Fixed Fee`)
  );
}

function normaliseDate(value: string | undefined, problem: (message: string) => undefined): string | undefined {
  if (value === undefined) return undefined;
  return IsoDate.safeParse(value).success
    ? value
    : problem(`${JSON.stringify(value)} is not an ISO-8601 date (YYYY-MM-DD)`);
}

function optionalDate(value: string | null | undefined, problem: (message: string) => undefined): string | undefined {
  return value === undefined || value === null ? undefined : normaliseDate(value, problem);
}
