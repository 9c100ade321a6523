import type { ExternalId } from '../../shared/model/primitives';
import { businessKey, executionNameFor, projectIdFor } from '../../shared/workflows/workflow-names';

const SAFE_NAME = /^[A-Za-z0-9_-]{1,80}$/;
const PREFIX = 'opportunity-salesforce-';

function salesforce(id: string): ExternalId {
  return { system: 'salesforce', id };
}

describe('executionNameFor', () => {
  it('names a record with a safe, short id plainly: subject, system and id', () => {
    // Act
    const name = executionNameFor('opportunity', salesforce('0068d00000B7kQwAAJ'));

    // Assess
    expect(name).toBe('opportunity-salesforce-0068d00000B7kQwAAJ');
  });

  it('keeps a name of exactly 80 characters plain and hashes one of 81', () => {
    // Prepare
    const fits = 'a'.repeat(80 - PREFIX.length);
    const overflows = 'a'.repeat(81 - PREFIX.length);

    // Act
    const plain = executionNameFor('opportunity', salesforce(fits));
    const hashed = executionNameFor('opportunity', salesforce(overflows));

    // Assess
    expect(plain).toBe(`${PREFIX}${fits}`);
    expect(hashed).toHaveLength(80);
    expect(hashed).toMatch(/-[0-9a-f]{16}$/);
    expect(hashed.startsWith(`${PREFIX}aaaa`)).toBe(true);
  });

  it.each<[string, string]>([
    ['a slash', 'a/b'],
    ['a space', 'Deal 2026 Q4'],
    ['a colon', 'crm:1234'],
    ['accented letters', 'Müller-Söhne-42'],
    ['an emoji', 'deal-🚀-1'],
    ['a dot', 'acct.v2'],
    ['a long id', 'x'.repeat(255)],
    ['a long id with unsafe characters', '/'.repeat(255)],
  ])('gives an id with %s a safe name of at most 80 characters with a readable prefix and a hash', (_label, id) => {
    // Act
    const name = executionNameFor('opportunity', salesforce(id));

    // Assess
    expect(name).toMatch(SAFE_NAME);
    expect(name.startsWith(PREFIX)).toBe(true);
    expect(name).toMatch(/-[0-9a-f]{16}$/);
    expect(executionNameFor('opportunity', salesforce(id))).toBe(name);
  });

  it('keeps the readable part of an unsafe id', () => {
    // Act
    const name = executionNameFor('opportunity', salesforce('Deal 2026 Q4'));

    // Assess
    expect(name).toMatch(/^opportunity-salesforce-Deal_2026_Q4-[0-9a-f]{16}$/);
  });

  it('gives distinct ids distinct names, however alike they look once made safe', () => {
    // Prepare
    const ids = [
      'a/b',
      'a_b',
      'a:b',
      'a b',
      'a//b',
      'a__b',
      `${'x'.repeat(100)}1`,
      `${'x'.repeat(100)}2`,
      `${'y'.repeat(57)}`,
      `${'y'.repeat(58)}`,
      'ÿ',
      'Ÿ',
    ];

    // Act
    const names = ids.map((id) => executionNameFor('opportunity', salesforce(id)));

    // Assess
    expect(new Set(names).size).toBe(ids.length);
    expect(names.every((name) => SAFE_NAME.test(name))).toBe(true);
  });

  it('tells the same id from two systems apart', () => {
    // Act
    const fromSalesforce = executionNameFor('opportunity', { system: 'salesforce', id: 'a/b' });
    const fromCrm = executionNameFor('opportunity', { system: 'crm', id: 'a/b' });

    // Assess
    expect(fromSalesforce).not.toBe(fromCrm);
  });
});

describe('businessKey', () => {
  it.each<['client' | 'opportunity' | 'project', ExternalId, string]>([
    ['opportunity', salesforce('0068d00000B7kQwAAJ'), 'opportunity#salesforce#0068d00000B7kQwAAJ'],
    ['client', salesforce('0018d00000XyZ12AAB'), 'client#salesforce#0018d00000XyZ12AAB'],
    ['project', { system: 'erp', id: 'PRJ-2026-0042' }, 'project#erp#PRJ-2026-0042'],
  ])('keys a %s record by kind, system and id', (kind, id, expected) => {
    // Act
    const key = businessKey(kind, id);

    // Assess
    expect(key).toBe(expected);
  });
});

describe('projectIdFor', () => {
  it('gives each opportunity one stable psflow project id, and different opportunities different ones', () => {
    // Prepare
    const opportunity = { system: 'salesforce', id: '0068d00000B7kQwAAJ' } as const;

    // Act
    const first = projectIdFor(opportunity);
    const again = projectIdFor({ ...opportunity });
    const other = projectIdFor({ system: 'salesforce', id: '0068d00000C1mNoAAJ' });

    // Assess
    expect(first).toEqual(again);
    expect(first).toEqual({ system: 'psflow', id: expect.stringMatching(/^prj-[0-9a-f]{16}$/) });
    expect(other.id).not.toBe(first.id);
  });
});
