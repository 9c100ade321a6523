import * as z from 'zod';
import { issuesFromZod, jsonPath } from '../../shared/ingestion/ingestion-outcomes';

describe('jsonPath', () => {
  it.each<[string, string, PropertyKey[], string]>([
    ['the base itself for an empty path', '$', [], '$'],
    ['identifiers with dots', '$', ['detail', 'payload', 'Amount'], '$.detail.payload.Amount'],
    [
      'array indexes in brackets',
      '$.detail.payload',
      ['ChangeEventHeader', 'recordIds', 2],
      '$.detail.payload.ChangeEventHeader.recordIds[2]',
    ],
    ['a key with a hyphen in quoted brackets', '$', ['detail-type'], '$["detail-type"]'],
    ['a key that starts with a digit in quoted brackets', '$', ['1st'], '$["1st"]'],
    ['a numeric string key in quoted brackets', '$', ['0'], '$["0"]'],
    ['underscores and dollars as identifiers', '$', ['Region__c', '$ref', '_x'], '$.Region__c.$ref._x'],
    ['a key with a quote, escaped', '$', ['say "hi"'], '$["say \\"hi\\""]'],
    ['an empty key in quoted brackets', '$', [''], '$[""]'],
    ['a key with a space or a dot in quoted brackets', '$', ['a b', 'c.d'], '$["a b"]["c.d"]'],
    ['a symbol by its description', '$', [Symbol('tag')], '$["Symbol(tag)"]'],
  ])('writes %s', (_label, base, path, expected) => {
    // Act
    const result = jsonPath(base, path);

    // Assess
    expect(result).toBe(expected);
  });
});

describe('issuesFromZod', () => {
  it('turns each zod issue into a JSONPath under the base and its message', () => {
    // Prepare
    const schema = z.object({ 'detail-type': z.string(), items: z.array(z.object({ amount: z.number() })) });
    const parsed = schema.safeParse({ 'detail-type': 7, items: [{ amount: 1 }, { amount: 'x' }] });
    if (parsed.success) throw new Error('the schema accepted a bad value');

    // Act
    const issues = issuesFromZod('$.detail', parsed.error);

    // Assess
    expect(issues.map((issue) => issue.path)).toEqual(['$.detail["detail-type"]', '$.detail.items[1].amount']);
    expect(issues.every((issue) => issue.message.length > 0)).toBe(true);
  });
});
