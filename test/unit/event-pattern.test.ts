import fs from 'node:fs';
import path from 'node:path';
import JSON5 from 'json5';
import {
  compileEventPattern,
  InvalidEventPatternError,
  matchesEventPattern,
} from '../../local/eventbridge/event-pattern';

// The fixtures were recorded against real AWS, so they are the reference (Apache-2.0, from
// LocalStack; attribution in their README).
const FIXTURE_DIR = path.resolve(__dirname, '..', 'fixtures', 'eventbridge-patterns');

// A missing folder must fail the run, not skip it: an empty test.each would otherwise pass green.
if (!fs.existsSync(FIXTURE_DIR) || !fs.statSync(FIXTURE_DIR).isDirectory()) {
  throw new Error(`EventBridge conformance fixtures not found at ${FIXTURE_DIR}; the checkout is incomplete.`);
}

const MULTI_KEY_EVENT = 'complex_multi_key_event.json';
const MULTI_KEY_PATTERN = 'complex_multi_key_event_pattern.json';

const allFiles = fs.readdirSync(FIXTURE_DIR).sort();
const json5Files = allFiles.filter((f) => f.endsWith('.json5'));
const negFiles = json5Files.filter((f) => f.endsWith('_NEG.json5'));
const excFiles = json5Files.filter((f) => f.endsWith('_EXC.json5'));
const matchFiles = json5Files.filter((f) => !f.endsWith('_NEG.json5') && !f.endsWith('_EXC.json5'));

interface Fixture {
  readonly Event: unknown;
  readonly EventPattern: unknown;
}

function readText(file: string): string {
  return fs.readFileSync(path.join(FIXTURE_DIR, file), 'utf8');
}

function loadFixture(file: string): Fixture {
  const parsed: unknown = JSON5.parse(readText(file));
  if (typeof parsed !== 'object' || parsed === null || !('Event' in parsed) || !('EventPattern' in parsed)) {
    throw new Error(`${file} is not an {Event, EventPattern} fixture`);
  }
  return { Event: parsed.Event, EventPattern: parsed.EventPattern };
}

/** AWS's reason for each _EXC fixture, from the README table (`\|` there is a literal pipe). */
function loadReadmeReasons(): Map<string, string> {
  const reasons = new Map<string, string>();
  for (const line of readText('README.md').split('\n')) {
    const row = /^\| `([^`]+_EXC\.json5)` \| (.+) \|\s*$/.exec(line);
    if (row) reasons.set(row[1], row[2].replace(/\\\|/g, '|'));
  }
  return reasons;
}

const readmeReasons = loadReadmeReasons();

describe('EventBridge event patterns: AWS-recorded conformance fixtures', () => {
  test('finds every fixture the README counts', () => {
    // Prepare: the counts from the README's naming table.
    const expected = { match: 66, multiKey: 2, neg: 51, exc: 38 };

    // Act: what the folder scan produced.
    const multiKeyFiles = [MULTI_KEY_EVENT, MULTI_KEY_PATTERN].filter((f) => allFiles.includes(f));

    // Assess: a glob slip or a half-copied folder cannot pass silently.
    expect(matchFiles).toHaveLength(expected.match);
    expect(multiKeyFiles).toHaveLength(expected.multiKey);
    expect(negFiles).toHaveLength(expected.neg);
    expect(excFiles).toHaveLength(expected.exc);
    expect(excFiles.filter((f) => !readmeReasons.has(f))).toEqual([]);
  });

  test.each(matchFiles)('matches %s', (file) => {
    // Prepare
    const { Event, EventPattern } = loadFixture(file);

    // Act
    const compiled = compileEventPattern(EventPattern);

    // Assess
    expect(matchesEventPattern(compiled, Event)).toBe(true);
  });

  test(`matches ${MULTI_KEY_EVENT} when the raw pattern text keeps its repeated key`, () => {
    // Prepare: raw text, because a parsed object has already lost one of the two "location" keys.
    const event: unknown = JSON.parse(readText(MULTI_KEY_EVENT));
    const patternText = readText(MULTI_KEY_PATTERN);

    // Act
    const compiled = compileEventPattern(patternText);

    // Assess: the later anything-but "us-east" wins over the earlier prefix "us-".
    expect(matchesEventPattern(compiled, event)).toBe(true);
  });

  test.each(negFiles)('does not match %s', (file) => {
    // Prepare
    const { Event, EventPattern } = loadFixture(file);

    // Act
    const compiled = compileEventPattern(EventPattern);

    // Assess
    expect(matchesEventPattern(compiled, Event)).toBe(false);
  });

  test.each(excFiles)("rejects %s with AWS's reason", (file) => {
    // Prepare
    const { EventPattern } = loadFixture(file);
    const reason = readmeReasons.get(file);

    // Act
    let thrown: unknown;
    try {
      compileEventPattern(EventPattern);
    } catch (error) {
      thrown = error;
    }

    // Assess
    expect(thrown).toBeInstanceOf(InvalidEventPatternError);
    expect((thrown as InvalidEventPatternError).name).toBe('InvalidEventPatternException');
    if (reason !== undefined) {
      expect((thrown as InvalidEventPatternError).message).toBe(`Event pattern is not valid. Reason: ${reason}`);
    }
  });
});

describe('EventBridge event patterns: cases the fixtures cover thinly', () => {
  function reasonOf(pattern: unknown): string {
    try {
      compileEventPattern(pattern);
    } catch (error) {
      if (error instanceof InvalidEventPatternError) return error.reason;
      throw error;
    }
    throw new Error('pattern was accepted');
  }

  test('compares numbers by value, so 3.0e2 in the pattern text equals 300 in the event', () => {
    // Prepare: raw text keeps the exponent form that a JS object literal would normalise away.
    const exact = compileEventPattern('{"detail": {"n": [3.0e2]}}');
    const numeric = compileEventPattern('{"detail": {"n": [{"numeric": ["=", 3.0e2]}]}}');

    // Act
    const results = [
      matchesEventPattern(exact, { detail: { n: 300 } }),
      matchesEventPattern(numeric, { detail: { n: 300.0 } }),
      matchesEventPattern(exact, { detail: { n: '300' } }),
    ];

    // Assess: equal as numbers, but a string never equals a number.
    expect(results).toEqual([true, true, false]);
  });

  test('excludes only the listed numbers with anything-but a number list', () => {
    // Prepare
    const compiled = compileEventPattern({ detail: { limit: [{ 'anything-but': [100, 200, 300] }] } });

    // Act
    const listed = matchesEventPattern(compiled, { detail: { limit: 200 } });
    const other = matchesEventPattern(compiled, { detail: { limit: 201 } });
    const numericString = matchesEventPattern(compiled, { detail: { limit: '200' } });
    const missing = matchesEventPattern(compiled, { detail: {} });

    // Assess: only a number can be excluded by a number list, and a missing field never matches.
    expect({ listed, other, numericString, missing }).toEqual({
      listed: false,
      other: true,
      numericString: true,
      missing: false,
    });
  });

  test('tries each $or alternative, including nested objects and a nested $or', () => {
    // Prepare
    const compiled = compileEventPattern({
      source: ['app.orders'],
      detail: {
        $or: [
          { order: { status: ['cancelled'] } },
          { order: { total: [{ numeric: ['>', 1000] }] }, customer: { tier: ['gold'] } },
          { $or: [{ flagged: [true] }, { 'review.needed': [true] }] },
        ],
      },
    });

    // Act
    const results = [
      { source: 'app.orders', detail: { order: { status: 'cancelled' } } },
      { source: 'app.orders', detail: { order: { total: 5000 }, customer: { tier: 'gold' } } },
      { source: 'app.orders', detail: { order: { total: 5000 }, customer: { tier: 'silver' } } },
      { source: 'app.orders', detail: { review: { needed: true } } },
      { source: 'app.other', detail: { order: { status: 'cancelled' } } },
    ].map((event) => matchesEventPattern(compiled, event));

    // Assess: AND inside an alternative, OR across them, and the shared "source" applies to all.
    expect(results).toEqual([true, true, false, true, false]);
  });

  test('treats an event array with elements as present for exists:false, and an empty one as absent', () => {
    // Prepare
    const compiled = compileEventPattern({ detail: { tags: [{ exists: false }] } });

    // Act
    const withElements = matchesEventPattern(compiled, { detail: { tags: ['a', 'b'] } });
    const empty = matchesEventPattern(compiled, { detail: { tags: [] } });
    const missing = matchesEventPattern(compiled, { detail: {} });
    const objectValue = matchesEventPattern(compiled, { detail: { tags: { inner: 'x' } } });

    // Assess: exists only looks at leaves, so an object (not a leaf) also counts as absent.
    expect({ withElements, empty, missing, objectValue }).toEqual({
      withElements: false,
      empty: true,
      missing: true,
      objectValue: true,
    });
  });

  test('requires fields from objects of one event array to come from the same element', () => {
    // Prepare: the example from AWS's engine documentation.
    const event = {
      employees: [
        { firstName: 'John', lastName: 'Doe' },
        { firstName: 'Anna', lastName: 'Smith' },
        { firstName: 'Peter', lastName: 'Jones' },
      ],
    };

    // Act
    const sameElement = matchesEventPattern(
      compileEventPattern({ employees: { firstName: ['Anna'], lastName: ['Smith'] } }),
      event,
    );
    const mixedElements = matchesEventPattern(
      compileEventPattern({ employees: { firstName: ['Anna'], lastName: ['Jones'] } }),
      event,
    );

    // Assess
    expect(sameElement).toBe(true);
    expect(mixedElements).toBe(false);
  });

  test('lets a repeated list key override and a repeated object key add fields in raw pattern text', () => {
    // Prepare
    const compiled = compileEventPattern(
      '{"detail": {"a": ["first"]}, "detail": {"b": ["x"]}, "source": ["s1"], "source": ["s2"]}',
    );

    // Act
    const both = matchesEventPattern(compiled, { source: 's2', detail: { a: 'first', b: 'x' } });
    const earlierSource = matchesEventPattern(compiled, { source: 's1', detail: { a: 'first', b: 'x' } });
    const withoutA = matchesEventPattern(compiled, { source: 's2', detail: { b: 'x' } });

    // Assess
    expect({ both, earlierSource, withoutA }).toEqual({ both: true, earlierSource: false, withoutA: false });
  });

  test('matches wildcards against empty runs and honours an escaped star', () => {
    // Prepare
    const compiled = compileEventPattern({ key: [{ wildcard: 'a*b\\*c*' }] });

    // Act
    const results = ['ab*c', 'aXXb*cYY', 'abXc', 'ab*', 'xab*c'].map((key) => matchesEventPattern(compiled, { key }));

    // Assess
    expect(results).toEqual([true, true, false, false, false]);
  });

  test("reports consecutive wildcards at AWS's position, counted in UTF-8 bytes after the opening quote", () => {
    // Prepare: "é" takes two bytes, the JSON quote one more.
    const pattern = { key: [{ wildcard: 'é**' }] };

    // Act
    const reason = reasonOf(pattern);

    // Assess
    expect(reason).toBe('Consecutive wildcard characters at pos 3');
  });

  test('folds case per character for equals-ignore-case and prefix/suffix ignore-case, on strings only', () => {
    // Prepare
    const equals = compileEventPattern({ name: [{ 'equals-ignore-case': 'Straße' }] });
    const prefix = compileEventPattern({ name: [{ prefix: { 'equals-ignore-case': 'ab' } }] });

    // Act
    const results = [
      matchesEventPattern(equals, { name: 'STRASSE' }),
      matchesEventPattern(equals, { name: 'straße' }),
      matchesEventPattern(prefix, { name: 'ABc' }),
      matchesEventPattern(prefix, { name: 12 }),
    ];

    // Assess: "ß" upper-cases to "SS", so both spellings match.
    expect(results).toEqual([true, true, true, false]);
  });

  test('matches IPv6 addresses by value, for cidr and for plain address values', () => {
    // Prepare
    const cidr = compileEventPattern({ ip: [{ cidr: '2001:db8::/32' }] });
    const plain = compileEventPattern({ ip: ['2001:db8::1'] });

    // Act
    const results = [
      matchesEventPattern(cidr, { ip: '2001:0DB8:ffff::1' }),
      matchesEventPattern(cidr, { ip: '2001:db9::1' }),
      matchesEventPattern(cidr, { ip: '10.0.0.1' }),
      matchesEventPattern(plain, { ip: '2001:0db8:0:0:0:0:0:1' }),
    ];

    // Assess
    expect(results).toEqual([true, false, false, true]);
  });

  test('rejects malformed JSON, unknown operators and empty $or with InvalidEventPatternException', () => {
    // Prepare
    const patterns: unknown[] = ['{"a": [', '{"a": [{"contains": "x"}]}', { $or: [{ a: ['x'] }] }, ['x'], 'null'];

    // Act
    const reasons = patterns.map((p) => {
      try {
        compileEventPattern(p);
        return 'accepted';
      } catch (error) {
        return error instanceof InvalidEventPatternError ? error.reason : 'other error';
      }
    });

    // Assess
    expect(reasons[0]).toMatch(/^Unexpected end-of-input/);
    expect(reasons.slice(1)).toEqual([
      'Unrecognized match type contains',
      'There must have at least 2 Objects in $or relationship.',
      'Filter is not an object',
      'Filter is not an object',
    ]);
  });

  test('keeps a compiled pattern reusable across many events', () => {
    // Prepare
    const compiled = compileEventPattern({
      source: [{ prefix: 'app.' }],
      detail: { amount: [{ numeric: ['>=', 10, '<', 20] }] },
    });

    // Act
    let matched = 0;
    for (let amount = 0; amount < 1000; amount++) {
      if (matchesEventPattern(compiled, { source: 'app.billing', detail: { amount } })) matched++;
    }

    // Assess
    expect(matched).toBe(10);
  });
});
