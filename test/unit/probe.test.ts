import { computeProbeResult, InvalidProbeRequestError } from '../../shared/diagnostics/probe';

const REQUESTED_AT = '2025-03-01T10:00:00.000Z';
const NOW = new Date('2025-03-01T10:00:01.250Z');

function errorOf(detail: unknown): Error {
  try {
    computeProbeResult(detail, NOW);
  } catch (error) {
    return error as Error;
  }
  throw new Error(`computeProbeResult accepted ${JSON.stringify(detail).slice(0, 80)}`);
}

describe('computeProbeResult', () => {
  it('returns the request with the observation time and latency from the injected clock', () => {
    // Prepare
    const detail = { probeId: 'probe-1', requestedAt: REQUESTED_AT, requestedBy: 'deploy-smoke-test' };

    // Act
    const result = computeProbeResult(detail, NOW);

    // Assess
    expect(result).toEqual({
      probeId: 'probe-1',
      requestedAt: REQUESTED_AT,
      requestedBy: 'deploy-smoke-test',
      observedAt: '2025-03-01T10:00:01.250Z',
      latencyMs: 1250,
    });
  });

  it('names an anonymous requester when none is given', () => {
    // Prepare
    const detail = { probeId: 'probe-1', requestedAt: REQUESTED_AT };

    // Act
    const result = computeProbeResult(detail, NOW);

    // Assess
    expect(result.requestedBy).toBe('anonymous');
  });

  it('measures latency across time-zone offsets', () => {
    // Prepare
    const detail = { probeId: 'probe-1', requestedAt: '2025-03-01T11:00:00+01:00' };

    // Act
    const result = computeProbeResult(detail, NOW);

    // Assess
    expect(result.latencyMs).toBe(1250);
  });

  it('reports zero latency when the requester clock runs ahead', () => {
    // Prepare
    const detail = { probeId: 'probe-1', requestedAt: '2025-03-01T10:00:05Z' };

    // Act
    const result = computeProbeResult(detail, NOW);

    // Assess
    expect(result.latencyMs).toBe(0);
  });

  it('ignores fields the contract does not name', () => {
    // Prepare
    const detail = { probeId: 'probe-1', requestedAt: REQUESTED_AT, extra: 'x', isAdmin: true };

    // Act
    const result = computeProbeResult(detail, NOW);

    // Assess
    expect(Object.keys(result).sort()).toEqual(['latencyMs', 'observedAt', 'probeId', 'requestedAt', 'requestedBy']);
  });

  it.each([
    ['a unicode id', 'プローブ-✓-é'],
    ['an id of 64 emoji', '🧪'.repeat(64)],
  ])('keeps %s exactly as sent', (_label, probeId) => {
    // Prepare
    const detail = { probeId, requestedAt: REQUESTED_AT };

    // Act
    const result = computeProbeResult(detail, NOW);

    // Assess
    expect(result.probeId).toBe(probeId);
  });

  it.each<[string, string, unknown]>([
    ['null', '(root)', null],
    ['an array', '(root)', [{ probeId: 'probe-1', requestedAt: REQUESTED_AT }]],
    ['a string', '(root)', 'probe-1'],
    ['a missing probeId', 'probeId', { requestedAt: REQUESTED_AT }],
    ['a numeric probeId', 'probeId', { probeId: 42, requestedAt: REQUESTED_AT }],
    ['an object probeId', 'probeId', { probeId: { $ne: null }, requestedAt: REQUESTED_AT }],
    ['an empty probeId', 'probeId', { probeId: '', requestedAt: REQUESTED_AT }],
    ['a 10,000-character probeId', 'probeId', { probeId: 'x'.repeat(10_000), requestedAt: REQUESTED_AT }],
    ['a unicode probeId past the length limit', 'probeId', { probeId: '🧪'.repeat(200), requestedAt: REQUESTED_AT }],
    ['a missing requestedAt', 'requestedAt', { probeId: 'probe-1' }],
    ['a numeric requestedAt', 'requestedAt', { probeId: 'probe-1', requestedAt: Date.parse(REQUESTED_AT) }],
    ['a non-ISO requestedAt', 'requestedAt', { probeId: 'probe-1', requestedAt: 'yesterday at noon' }],
    ['a date-only requestedAt', 'requestedAt', { probeId: 'probe-1', requestedAt: '2025-03-01' }],
    ['an impossible calendar date', 'requestedAt', { probeId: 'probe-1', requestedAt: '2025-02-30T10:00:00Z' }],
    ['an RFC 2822 requestedAt', 'requestedAt', { probeId: 'probe-1', requestedAt: 'Sat, 01 Mar 2025 10:00:00 GMT' }],
    ['an empty requestedBy', 'requestedBy', { probeId: 'probe-1', requestedAt: REQUESTED_AT, requestedBy: '' }],
    ['a null requestedBy', 'requestedBy', { probeId: 'probe-1', requestedAt: REQUESTED_AT, requestedBy: null }],
  ])('refuses %s with InvalidProbeRequestError naming %s', (_label, offendingPath, detail) => {
    // Prepare
    const input = detail;

    // Act
    const error = errorOf(input);

    // Assess
    expect(error).toBeInstanceOf(InvalidProbeRequestError);
    expect(error.message).toContain(`${offendingPath}: `);
  });

  it('names every offending path at once', () => {
    // Prepare
    const detail = { probeId: '', requestedAt: 'soon' };

    // Act
    const error = errorOf(detail);

    // Assess
    expect(error.message).toContain('probeId: ');
    expect(error.message).toContain('requestedAt: ');
  });
});
