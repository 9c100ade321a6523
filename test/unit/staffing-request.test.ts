import { requestProblems, StaffingRequest } from '../../shared/staffing/staffing-request';

const KNOWN = new Set(['dbt', 'sql']);
const PROJECT = { clientId: 'ACC-1', name: 'Pipeline' };

function request(roleLine: Record<string, unknown>): StaffingRequest {
  return StaffingRequest.parse({
    requestId: 'PRJ-1:L1',
    projectId: 'PRJ-1',
    roleLine: {
      lineId: 'L1',
      role: 'Analytics Engineer',
      skills: ['dbt'],
      hours: 80,
      rate: { amountMinor: 15000, currency: 'EUR' },
      startDate: '2027-01-04',
      endDate: '2027-01-29',
      ...roleLine,
    },
    requestedBy: 'lead@psflow.example',
    requestedAt: '2026-12-01T09:00:00.000Z',
  });
}

describe('staffing request validation', () => {
  it.each([
    [
      'unknown skills',
      { skills: ['dbt', 'cobol-on-mars'] },
      PROJECT,
      'roleLine.skills: unknown skill(s) cobol-on-mars',
    ],
    ['zero hours', { hours: 0 }, PROJECT, 'roleLine.hours: 0 is not a positive number of hours'],
    ['negative hours', { hours: -40 }, PROJECT, 'roleLine.hours: -40 is not a positive number of hours'],
    [
      'an end before the start',
      { endDate: '2027-01-01' },
      PROJECT,
      'roleLine.endDate: 2027-01-01 is before the start 2027-01-04',
    ],
    [
      'a window in the past',
      { startDate: '2026-01-05', endDate: '2026-02-27' },
      PROJECT,
      'is in the past (today is 2026-12-01)',
    ],
    ['a project that does not exist', {}, undefined, 'projectId: no project PRJ-1 in the PSA'],
    [
      'a date that is not a date',
      { startDate: 'next monday' },
      PROJECT,
      'roleLine.startDate: next monday is not a date',
    ],
  ])('names %s with the field and the value', (_case, roleLine, project, problem) => {
    // Act
    const problems = requestProblems(request(roleLine), KNOWN, project, '2026-12-01');

    // Assess
    expect(problems.join('\n')).toContain(problem);
  });

  it('finds nothing wrong with a good request', () => {
    // Act
    const problems = requestProblems(request({}), KNOWN, PROJECT, '2026-12-01');

    // Assess
    expect(problems).toEqual([]);
  });
});
