import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * A user clones the repository into an empty folder: nothing beside it exists. So no tracked
 * file may name a path that climbs out of the checkout, neither as a relative path written
 * out with leading `../` parts nor as `path.resolve(__dirname, '..', ...)` segments.
 */

const ROOT = path.resolve(__dirname, '..', '..');
const TEXT_FILE = /\.(ts|js|mjs|cjs|json|md|sh)$|^\.ci\/run$/;

function trackedTextFiles(): string[] {
  const listed = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return listed
    .split('\n')
    .filter(
      (file) =>
        file !== '' && TEXT_FILE.test(file) && !file.startsWith('test/fixtures/') && file !== 'package-lock.json',
    )
    .filter((file) => fs.existsSync(path.join(ROOT, file)));
}

/** Every place in `text` that names a path leaving the checkout, read from `file`'s folder. */
function escapingReferences(file: string, text: string): string[] {
  const folder = path.dirname(path.join(ROOT, file));
  const outside = (target: string): boolean => path.relative(ROOT, target).startsWith('..');
  const found: string[] = [];
  for (const match of text.matchAll(/(?:\.\.\/)+[\w.@-]+/g)) {
    if (outside(path.resolve(folder, match[0]))) found.push(match[0]);
  }
  for (const match of text.matchAll(/__dirname((?:\s*,\s*'[^']*')+)/g)) {
    const segments = [...match[1].matchAll(/'([^']*)'/g)].map((segment) => segment[1]);
    if (outside(path.resolve(folder, ...segments)))
      found.push(`__dirname, ${segments.map((s) => `'${s}'`).join(', ')}`);
  }
  return found;
}

describe('the repository stands alone', () => {
  it('finds a reference that climbs out of the checkout, in both spellings', () => {
    // Prepare: built from parts, so this file does not itself hold what it looks for.
    const text = `const a = '${'../'.repeat(3)}shared/samples'; path.resolve(__dirname, ${"'..', ".repeat(3)}'shared');`;

    // Act
    const found = escapingReferences('test/unit/x.test.ts', text);

    // Assess
    expect(found).toEqual([`${'../'.repeat(3)}shared`, `__dirname, ${"'..', ".repeat(3)}'shared'`]);
  });

  it('accepts relative imports that stay inside the checkout', () => {
    // Prepare
    const text = "import x from '../../shared/events/catalogue'; path.resolve(__dirname, '..', '..', 'samples');";

    // Act
    const found = escapingReferences('test/unit/x.test.ts', text);

    // Assess
    expect(found).toEqual([]);
  });

  it('has no file in code, tests, docs or README that reads outside the checkout', () => {
    // Prepare
    const files = trackedTextFiles();

    // Act
    const offenders = files.flatMap((file) =>
      escapingReferences(file, fs.readFileSync(path.join(ROOT, file), 'utf8')).map((ref) => `${file}: ${ref}`),
    );

    // Assess
    expect(files.length).toBeGreaterThan(100);
    expect(offenders).toEqual([]);
  });

  it('holds the conformance fixtures with their attribution, and the sample events', () => {
    // Prepare
    const fixtures = path.join(ROOT, 'test', 'fixtures', 'eventbridge-patterns');

    // Act
    const readme = fs.readFileSync(path.join(fixtures, 'README.md'), 'utf8');
    const samples = fs.readdirSync(path.join(ROOT, 'samples')).filter((file) => file.endsWith('.json'));

    // Assess
    expect(readme).toMatch(/Apache License 2\.0/);
    expect(readme).toMatch(/Copyright \(c\) 2017\+ LocalStack contributors/);
    expect(fs.readdirSync(fixtures).filter((file) => /\.json5?$/.test(file))).toHaveLength(157);
    expect(samples.sort()).toEqual([
      'salesforce-appflow-opportunity-won.json',
      'salesforce-event-relay-opportunity-won.json',
    ]);
  });
});
