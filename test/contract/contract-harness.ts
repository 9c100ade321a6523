import { catalogueEntry, type ApiEntry } from '../../shared/integrations/api-catalogue';
import { ApiGovernor } from '../../shared/integrations/api-governor';
import { GovernedHttpClient, type CallRecord } from '../../shared/integrations/governed-http';
import { InMemoryIntegrationState } from '../../shared/integrations/integration-state';
import type { SecretsPort } from '../../shared/integrations/secrets';

/** A secrets port over a map, as the local cloud's store would serve it. */
export class MapSecrets implements SecretsPort {
  readonly reads: string[] = [];
  constructor(private readonly values: Record<string, string>) {}
  async getSecret(name: string): Promise<string> {
    this.reads.push(name);
    const value = this.values[name];
    if (value === undefined) throw new Error(`ResourceNotFoundException: secret ${name} does not exist`);
    return value;
  }
}

/** The governed client a connector gets in a function, with an in-memory state store and no real waits. */
export function contractClient(
  apiId: string,
  connector: string,
  overrides: Partial<ApiEntry> = {},
): { http: GovernedHttpClient; calls: CallRecord[]; waits: number[]; state: InMemoryIntegrationState } {
  const calls: CallRecord[] = [];
  const waits: number[] = [];
  const state = new InMemoryIntegrationState();
  // Waits move a test clock instead of the real one, so a bucket refills without slowing the test.
  let skipped = 0;
  const now = (): number => Date.now() + skipped;
  const sleep = async (ms: number): Promise<void> => {
    waits.push(ms);
    skipped += ms;
  };
  const api = { ...catalogueEntry(apiId), ...overrides };
  const http = new GovernedHttpClient(api, connector, {
    governor: new ApiGovernor(state, { sleep, now }),
    observer: { record: (call) => calls.push(call) },
    sleep,
    random: () => 0.5,
  });
  return { http, calls, waits, state };
}
