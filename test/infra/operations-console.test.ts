import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { OperationsConsole } from '../../infra/console/operations-console';
import { PsflowStack } from '../../infra/psflow-stack';
import { TEST_TMPDIR_VARIABLE } from '../support/local-cloud-process';
import { NO_BUNDLING } from '../support/no-bundling';

const STAGE = 'test';
// NodejsFunction runs esbuild during synth; under load that takes a while.
const SYNTH_TIMEOUT_MS = 240_000;

type JsonObject = Record<string, unknown>;

function isRecord(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function records(value: unknown): JsonObject[] {
  return Array.isArray(value) ? value.filter(isRecord) : [];
}

let parent: Template;
let consoleTemplate: Template;
let pluginReports: JsonObject[];
let outdir: string;

beforeAll(() => {
  outdir = fs.mkdtempSync(path.join(process.env[TEST_TMPDIR_VARIABLE] ?? os.tmpdir(), 'psflow-console-test-'));
  const app = new App({ outdir, context: NO_BUNDLING });
  const stack = new PsflowStack(app, `psflow-${STAGE}`, { stage: STAGE, partnerEventBusNames: [] });
  const nested = stack.node.children.find((child) => child instanceof OperationsConsole);
  if (!(nested instanceof OperationsConsole)) throw new Error('the stack has no operations console');
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  try {
    app.synth();
  } catch {
    // A failing plugin throws from synth; the report below says which rule failed.
  }
  parent = Template.fromStack(stack);
  consoleTemplate = Template.fromStack(nested);
  const report: unknown = JSON.parse(fs.readFileSync(path.join(outdir, 'validation-report.json'), 'utf8'));
  pluginReports = isRecord(report) ? records(report.pluginReports) : [];
}, SYNTH_TIMEOUT_MS);

afterAll(() => {
  fs.rmSync(outdir, { recursive: true, force: true });
});

describe('the operations console on S3 and CloudFront', () => {
  it('keeps the site bucket private, encrypted and reachable over TLS only', () => {
    // Assess
    consoleTemplate.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: Match.anyValue(),
    });
    consoleTemplate.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('reads the bucket through origin access control and serves HTTPS only, the API under /api uncached', () => {
    // Prepare
    const distributions = consoleTemplate.findResources('AWS::CloudFront::Distribution');
    const [config] = Object.values(distributions).map((resource) => resource.Properties.DistributionConfig);

    // Assess
    consoleTemplate.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    consoleTemplate.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: { OriginAccessControlOriginType: 's3', SigningBehavior: 'always' },
    });
    expect(config.DefaultCacheBehavior.ViewerProtocolPolicy).toBe('https-only');
    expect(config.CacheBehaviors).toEqual([
      expect.objectContaining({ PathPattern: '/api/*', ViewerProtocolPolicy: 'https-only' }),
    ]);
    const s3Origin = records(config.Origins).find((origin) => origin.S3OriginConfig !== undefined);
    expect(s3Origin?.OriginAccessControlId).toBeDefined();
    expect(config.Logging).toEqual(expect.objectContaining({ Prefix: 'cloudfront/' }));
  });

  it('signs people in through the stack user pool with the code flow, back to the console URL', () => {
    // Assess
    consoleTemplate.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      GenerateSecret: false,
      CallbackURLs: [
        { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [Match.anyValue(), 'DomainName'] }, '/console/']] },
      ],
    });
    consoleTemplate.resourceCountIs('AWS::Cognito::UserPoolDomain', 1);
    // The workflow stack keeps its one (CLI) client; the API accepts both.
    parent.resourceCountIs('AWS::Cognito::UserPoolClient', 1);
    const [authorizer] = Object.values(parent.findResources('AWS::ApiGatewayV2::Authorizer'));
    expect(authorizer.Properties.JwtConfiguration.Audience).toHaveLength(2);
    parent.hasOutput('ConsoleUrl', Match.anyValue());
  });

  it('deploys the build with the Cognito settings in config.json', () => {
    // Assess
    consoleTemplate.hasResourceProperties('Custom::CDKBucketDeployment', {
      DestinationBucketKeyPrefix: 'console/',
      DistributionPaths: ['/console/*'],
      SourceMarkers: Match.arrayWith([Match.objectLike({ '<<marker:0xbaba:0>>': Match.anyValue() })]),
    });
  });

  it('lets the operations API find executions and read their definitions', () => {
    // Assess
    parent.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ WORKFLOW_EXECUTIONS_TABLE: Match.anyValue() }) },
      Description: Match.stringLikeRegexp('Approvals, delegations'),
    });
    parent.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: Match.arrayWith(['states:DescribeStateMachineForExecution']) }),
        ]),
      },
    });
  });

  it('passes cdk-nag with no violation', () => {
    // Act
    const violations = pluginReports.flatMap((pluginReport) =>
      records(pluginReport.violations).map((violation) => violation.ruleName),
    );

    // Assess
    expect(pluginReports.length).toBeGreaterThan(0);
    expect(violations).toEqual([]);
  });
});
