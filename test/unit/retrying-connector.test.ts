import { RetryableConnectorError } from '../../shared/connectors/connector-errors';
import { DEFAULT_CALL_RETRY, withCallRetries } from '../../shared/connectors/retrying-connector';

/** A connector whose one call fails retryably until it has been called `failures` times. */
class FlakyConnector {
  calls = 0;
  constructor(private readonly failures: number) {}

  async read(): Promise<string> {
    this.calls += 1;
    if (this.calls <= this.failures) throw new RetryableConnectorError('crm', 'read', 'sandbox throttled the call');
    return 'answer';
  }
}

describe('withCallRetries', () => {
  let timers: jest.SpiedFunction<typeof setTimeout>;

  beforeEach(() => {
    // The timers run for real (300 ms at most); the spy only records what was asked.
    timers = jest.spyOn(global, 'setTimeout');
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  function delays(): unknown[] {
    return timers.mock.calls.map(([, delay]) => delay);
  }

  it('tries three times in all, waiting at most 100 ms and then at most 200 ms, as docs/project-activation.md says', async () => {
    // Prepare
    const connector = new FlakyConnector(5);
    const longestWaits = withCallRetries(connector, DEFAULT_CALL_RETRY, () => 1);

    // Act
    const outcome = await longestWaits.read().catch((error: unknown) => error);

    // Assess
    expect(outcome).toBeInstanceOf(RetryableConnectorError);
    expect(connector.calls).toBe(3);
    expect(delays()).toEqual([100, 200]);
  });

  it('draws each wait at random from zero up to its cap (full jitter)', async () => {
    // Prepare
    const connector = new FlakyConnector(2);
    const shortestWaits = withCallRetries(connector, DEFAULT_CALL_RETRY, () => 0);

    // Act
    const outcome = await shortestWaits.read();

    // Assess
    expect(outcome).toBe('answer');
    expect(delays()).toEqual([0, 0]);
  });
});
