import { catalogueEntry } from '../../shared/integrations/api-catalogue';
import { ApiGovernor, type IntegrationDegradedDetail } from '../../shared/integrations/api-governor';
import { InMemoryIntegrationState } from '../../shared/integrations/integration-state';
import { RetryableVendorError } from '../../shared/integrations/vendor-errors';
import { findContract } from '../../shared/events/contracts';
import { IntegrationsDetailType, PsflowSource } from '../../shared/events/catalogue';

const API = {
  ...catalogueEntry('salesforce-rest'),
  rateLimit: { requestsPerSecond: 2, burst: 3 },
  circuitBreaker: { failureThreshold: 3, openSeconds: 60 },
};

function governor() {
  let clock = 1_700_000_000_000;
  const degraded: IntegrationDegradedDetail[] = [];
  const state = new InMemoryIntegrationState();
  const options = {
    now: () => clock,
    sleep: async (ms: number) => void (clock += ms),
    notifier: { degraded: async (detail: IntegrationDegradedDetail) => void degraded.push(detail) },
    maxWaitMs: 1000,
  };
  return {
    state,
    degraded,
    options,
    advance: (ms: number) => (clock += ms),
    make: () => new ApiGovernor(state, options),
  };
}

describe('API governance', () => {
  it('shares one token bucket between every caller of an API', async () => {
    // Prepare
    const { make, options } = governor();
    const [first, second] = [make(), make()];
    const started = options.now();

    // Act: a burst of 3, then 2 more at 2/s
    for (let call = 0; call < 5; call++) await (call % 2 === 0 ? first : second).admit(API, 'crm', 'getOpportunity');

    // Assess
    expect(options.now() - started).toBe(1000);
  });

  it('fails retryably rather than wait past its limit for a token', async () => {
    // Prepare
    const impatient = new ApiGovernor(new InMemoryIntegrationState(), { maxWaitMs: 0 });
    for (let call = 0; call < 3; call++) await impatient.admit(API, 'crm', 'getOpportunity');

    // Act
    const refused = impatient.admit(API, 'crm', 'getOpportunity');

    // Assess
    await expect(refused).rejects.toThrow(
      /salesforce throttled \(retryable\): the shared rate limit of salesforce-rest \(2\/s, burst 3\) is spent/,
    );
  });

  it('opens the breaker at the threshold, announces Integration Degraded once, and refuses calls without making them', async () => {
    // Prepare
    const { make, degraded } = governor();
    const gate = make();

    // Act
    for (let failure = 0; failure < 4; failure++) {
      await gate.admit(API, 'crm', 'getOpportunity').catch(() => undefined);
      await gate.failed(API, 'unavailable', 'HTTP 503', 20);
    }
    const refused: unknown = await gate.admit(API, 'crm', 'getOpportunity').catch((error: unknown) => error);

    // Assess
    expect(degraded).toHaveLength(1);
    expect(degraded[0]).toMatchObject({
      apiId: 'salesforce-rest',
      owner: 'crm-platform',
      version: 'v62.0',
      consecutiveFailures: 3,
    });
    const contract = findContract(PsflowSource.Integrations, IntegrationsDetailType.IntegrationDegraded);
    expect(contract?.detail.safeParse(degraded[0]).success).toBe(true);
    expect(refused).toBeInstanceOf(RetryableVendorError);
    expect(String(refused)).toMatch(/circuit-open \(retryable\): the circuit breaker of salesforce-rest is open/);
  });

  it('lets one trial through after the open time, and closes on its success', async () => {
    // Prepare
    const { make, advance } = governor();
    const gate = make();
    for (let failure = 0; failure < 3; failure++) await gate.failed(API, 'timeout', 'no answer', 5000);
    advance(61_000);

    // Act
    const trial = await gate.admit(API, 'crm', 'getOpportunity');
    const whileTrial = await gate.admit(API, 'crm', 'getOpportunity').catch((error: unknown) => error);
    await gate.succeeded(API, trial, 30);
    const after = await gate.admit(API, 'crm', 'getOpportunity');

    // Assess
    expect(trial.trial).toBe(true);
    expect(String(whileTrial)).toMatch(/half-open/);
    expect(after.state.breaker).toBe('closed');
  });

  it('does not count refused data against the breaker, but counts it in the statistics', async () => {
    // Prepare
    const { make, state } = governor();
    const gate = make();

    // Act
    for (let failure = 0; failure < 5; failure++) await gate.failed(API, 'rejected', 'INVALID_FIELD', 10);

    // Assess
    expect((await state.get('salesforce-rest'))?.breaker ?? 'closed').toBe('closed');
    const [window] = await state.recentStats('salesforce-rest', 0);
    expect(window).toMatchObject({ calls: 5, errors: 5, throttles: 0 });
  });
});
