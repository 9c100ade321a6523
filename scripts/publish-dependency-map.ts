import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  dependencyMapOf,
  embedDependencyMap,
  renderDependencyMermaid,
  renderDependencyText,
} from '../shared/integrations/dependency-map';

/**
 * Regenerates the dependency map embedded in docs/architecture.md from the synthesized dev
 * stage (`npm run synth` first). A test fails while the embedded map differs from the app.
 */
const root = path.resolve(__dirname, '..');
const template: unknown = JSON.parse(fs.readFileSync(path.join(root, 'cdk.out', 'psflow-dev.template.json'), 'utf8'));
if (typeof template !== 'object' || template === null)
  throw new Error('cdk.out/psflow-dev.template.json is not a template');
const map = dependencyMapOf(Object.fromEntries(Object.entries(template)));
const doc = path.join(root, 'docs', 'architecture.md');
fs.writeFileSync(
  doc,
  embedDependencyMap(fs.readFileSync(doc, 'utf8'), renderDependencyText(map), renderDependencyMermaid(map)),
);
console.log(`embedded the dependency map (${map.steps.length} step edges, ${map.events.length} event links) in ${doc}`);
