import * as fs from 'node:fs';
import * as path from 'node:path';
import { readCloudAssembly } from '../../local/cdk/cloud-assembly';
import { buildResourceModel, type FunctionSpec } from '../../local/cdk/resource-model';
import { bundleFileOf } from '../benchmarks/bundle-benchmark';
import { BUNDLE_BUDGET_BYTES, OVER_BUDGET, bundleCeiling, shortFunctionName } from '../benchmarks/bundle-budget';

// The cloud assembly the global setup synthesized: what deploys, and what the local cloud runs.
const CDK_OUT = path.resolve(__dirname, '..', '..', 'cdk.out');

function deployedFunctions(): readonly FunctionSpec[] {
  const model = buildResourceModel(readCloudAssembly(CDK_OUT), {
    region: 'us-east-1',
    accountId: '000000000000',
    endpoint: 'http://127.0.0.1',
  });
  if (model.functions.length === 0) throw new Error(`${CDK_OUT} holds no Lambda function`);
  return model.functions;
}

describe('Lambda bundle budget', () => {
  it(`keeps every bundle in cdk.out within ${BUNDLE_BUDGET_BYTES / 1024} KB, or within the ceiling its listed reason allows`, () => {
    // Act
    const bundles = deployedFunctions().map((spec) => {
      const { ceilingBytes } = bundleCeiling(spec.name);
      return { functionName: spec.name, bytes: fs.statSync(bundleFileOf(spec).file).size, ceilingBytes };
    });

    // Assess
    for (const bundle of bundles) {
      expect({
        functionName: bundle.functionName,
        withinCeiling: bundle.bytes <= bundle.ceilingBytes,
        bytes: bundle.bytes,
      }).toEqual({
        functionName: bundle.functionName,
        withinCeiling: true,
        bytes: bundle.bytes,
      });
    }
  });

  it('lets only functions that exist and are over the budget exceed it, so the list of reasons never goes stale', () => {
    // Prepare
    const byShortName = new Map(deployedFunctions().map((spec) => [shortFunctionName(spec.name), spec]));

    // Act
    const exemptions = Object.keys(OVER_BUDGET).map((name) => {
      const spec = byShortName.get(name);
      return {
        name,
        exists: spec !== undefined,
        overBudget: spec !== undefined && fs.statSync(bundleFileOf(spec).file).size > BUNDLE_BUDGET_BYTES,
      };
    });

    // Assess
    for (const exemption of exemptions)
      expect(exemption).toEqual({ name: exemption.name, exists: true, overBudget: true });
  });

  it("bundles the environment's credentials alone, not the SDK's default chain that Lambda never goes past", () => {
    // Prepare: words only the default chain's providers carry (its error, web identity, SSO)
    const chainMarks = ['Could not load credentials from any providers', 'AssumeRoleWithWebIdentity', 'sso_start_url'];

    // Act
    const bundles = deployedFunctions().map((spec) => {
      const code = fs.readFileSync(bundleFileOf(spec).file, 'utf8');
      return {
        functionName: spec.name,
        chainMarks: chainMarks.filter((mark) => code.includes(mark)),
        // A function that calls AWS at all (the SDK's user agent is in its bundle) reads the environment's.
        callsAws: code.includes('aws-sdk-js'),
        readsEnvironment: code.includes('Unable to find environment variable credentials'),
      };
    });

    // Assess
    for (const bundle of bundles)
      expect(bundle).toEqual({
        functionName: bundle.functionName,
        chainMarks: [],
        callsAws: bundle.callsAws,
        readsEnvironment: bundle.callsAws,
      });
    expect(bundles.filter((bundle) => bundle.callsAws).length).toBeGreaterThan(40);
  });
});
