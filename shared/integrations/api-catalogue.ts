import * as z from 'zod';
import apiCatalogueV1 from '../policies/api-catalogue.v1.json';
import { onFirstUse } from '../runtime/on-first-use';

/**
 * The API catalogue as versioned data (`shared/policies/api-catalogue.v1.json`): every
 * external API psflow calls, with its owner, version, auth, limits, retry policy, SLO and
 * data classification. The CDK app loads it at synth and refuses a connector whose API is
 * not in it; the connectors read their timeout, rate limit and breaker settings from it at
 * run time, so governance is one file a reviewer reads, not constants spread over code.
 */

/** The ports a connector can sit behind. */
export const ConnectorPort = z.enum(['crm', 'erp', 'psa', 'documents']);
/** Typed {@link ConnectorPort}. */
export type ConnectorPort = z.infer<typeof ConnectorPort>;

/** One external API. */
export const ApiEntry = z.strictObject({
  apiId: z.string().regex(/^[a-z][a-z0-9-]{1,62}$/),
  system: z.string().regex(/^[a-z][a-z0-9-]{1,62}$/),
  /** The port it serves, or `*` for an API every port may use (the sandbox). */
  port: z.union([ConnectorPort, z.literal('*')]),
  owner: z.string().min(1),
  version: z.string().min(1),
  auth: z.enum(['oauth2-client-credentials', 'oauth2-jwt-bearer', 'oauth2-bearer', 'aws-iam', 'hmac']),
  /** Name of its credentials in Secrets Manager, below `psflow/<stage>/`. */
  secretName: z
    .string()
    .regex(/^[a-z][a-z0-9-]{1,62}$/)
    .optional(),
  rateLimit: z.strictObject({ requestsPerSecond: z.number().positive(), burst: z.number().int().positive() }),
  timeoutMs: z.number().int().min(100).max(60_000),
  retry: z.strictObject({ attempts: z.number().int().min(1).max(10), baseDelayMs: z.number().int().min(1) }),
  circuitBreaker: z.strictObject({
    failureThreshold: z.number().int().min(1),
    openSeconds: z.number().int().min(1).max(3600),
  }),
  slo: z.strictObject({
    availabilityPercent: z.number().min(50).max(100),
    p95LatencyMs: z.number().int().positive(),
  }),
  dataClassification: z.enum(['public', 'internal', 'confidential', 'restricted']),
  docs: z.string().min(1),
});
/** Typed {@link ApiEntry}. */
export type ApiEntry = z.infer<typeof ApiEntry>;

/** The whole catalogue. */
export const ApiCatalogue = z
  .strictObject({
    policy: z.literal('api-catalogue'),
    version: z.number().int().positive(),
    description: z.string(),
    apis: z.array(ApiEntry).min(1),
  })
  .superRefine((catalogue, context) => {
    const seen = new Set<string>();
    catalogue.apis.forEach((api, index) => {
      if (seen.has(api.apiId))
        context.addIssue({ code: 'custom', path: ['apis', index, 'apiId'], message: `duplicate apiId ${api.apiId}` });
      seen.add(api.apiId);
      if (api.auth !== 'aws-iam' && api.secretName === undefined)
        context.addIssue({
          code: 'custom',
          path: ['apis', index, 'secretName'],
          message: `${api.apiId} authenticates with ${api.auth} and so needs a secretName`,
        });
    });
  });
/** Typed {@link ApiCatalogue}. */
export type ApiCatalogue = z.infer<typeof ApiCatalogue>;

/** Parses a catalogue, or throws naming every offending path. */
export function loadApiCatalogue(input: unknown): ApiCatalogue {
  const parsed = ApiCatalogue.safeParse(input);
  if (!parsed.success)
    throw new Error(
      `Invalid API catalogue: ${parsed.error.issues.map((issue) => `/${issue.path.join('/')}: ${issue.message}`).join('; ')}`,
    );
  return parsed.data;
}

/** The published catalogue. */
export const apiCatalogue: () => ApiCatalogue = /* @__PURE__ */ onFirstUse(() => loadApiCatalogue(apiCatalogueV1));

/** The catalogue entry of an API, or an error naming it and what the catalogue holds. */
export function catalogueEntry(apiId: string, catalogue: ApiCatalogue = apiCatalogue()): ApiEntry {
  const entry = catalogue.apis.find((api) => api.apiId === apiId);
  if (!entry)
    throw new Error(
      `API ${apiId} is not in the API catalogue v${catalogue.version} (it holds ${catalogue.apis.map((api) => api.apiId).join(', ')}); add it to shared/policies/api-catalogue.v${catalogue.version}.json`,
    );
  return entry;
}
