import * as fs from 'node:fs';
import * as path from 'node:path';
import { CfnOutput, Duration, Fn, NestedStack, Names, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  Function as EdgeFunction,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  HttpVersion,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { OAuthScope, UserPoolClient, UserPoolDomain } from 'aws-cdk-lib/aws-cognito';
import { BlockPublicAccess, Bucket, BucketEncryption, CfnBucket, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import type { OperationsApi } from '../operations-api/operations-api';

/** Props of {@link OperationsConsole}. */
export interface OperationsConsoleProps {
  readonly stage: string;
  readonly operationsApi: OperationsApi;
  /** The built console; defaults to console/dist (npm run console:build). */
  readonly distDirectory?: string;
}

/** Where the console lives on its distribution, as on the local cloud. */
export const CONSOLE_PATH = '/console/';

/** Stack output naming the console's URL. */
export const CONSOLE_URL_OUTPUT = 'ConsoleUrl';

/**
 * The operations console in AWS: the Vite build in a private S3 bucket read by CloudFront
 * through origin access control, HTTPS only. `/api/*` on the same distribution reaches the
 * operations HTTP API (prefix stripped), so the console calls `/api` as it does locally and
 * needs no CORS. People sign in through the stage's user pool (hosted UI, authorization code
 * with PKCE); `config.json` beside the console carries the pool's settings from this stack.
 *
 * A nested stack: its buckets, distribution and CDK's deployment handler stay out of the
 * workflow stack's template, which the local cloud serves (none of them runs locally).
 */
export class OperationsConsole extends NestedStack {
  public readonly bucket: Bucket;
  public readonly distribution: Distribution;
  public readonly userPoolClient: UserPoolClient;
  public readonly signInDomain: UserPoolDomain;
  public readonly consoleUrl: string;

  constructor(scope: Construct, id: string, props: OperationsConsoleProps) {
    super(scope, id, { description: `psflow ${props.stage} operations console` });
    const dist = props.distDirectory ?? path.resolve(__dirname, '..', '..', 'console', 'dist');
    if (!fs.existsSync(path.join(dist, 'index.html')))
      throw new Error(
        `The operations console is not built (no ${path.join(dist, 'index.html')}): run npm run console:build first (npm start and npm test build it)`,
      );
    // CloudFront's standard logs are written with an ACL, so its log bucket keeps ACLs enabled.
    const logs = new Bucket(this, 'AccessLogs', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.OBJECT_WRITER,
      lifecycleRules: [{ expiration: Duration.days(365) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.bucket = new Bucket(this, 'Site', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      // Only the build lives here: it is redeployed from the repository.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const indexRewrite = new EdgeFunction(this, 'ConsoleIndex', {
      runtime: FunctionRuntime.JS_2_0,
      comment: 'Serves /console/ as /console/index.html; sends / to /console/',
      code: FunctionCode.fromInline(
        [
          'function handler(event) {',
          '  var request = event.request;',
          "  if (request.uri === '/' || request.uri === '/console') {",
          `    return { statusCode: 302, statusDescription: 'Found', headers: { location: { value: '${CONSOLE_PATH}' } } };`,
          '  }',
          "  if (request.uri.endsWith('/')) request.uri += 'index.html';",
          '  return request;',
          '}',
        ].join('\n'),
      ),
    });
    const stripApiPrefix = new EdgeFunction(this, 'StripApiPrefix', {
      runtime: FunctionRuntime.JS_2_0,
      comment: 'Maps /api/<route> to the operations API route',
      code: FunctionCode.fromInline(
        [
          'function handler(event) {',
          '  var request = event.request;',
          "  request.uri = request.uri.replace(/^\\/api/, '') || '/';",
          '  return request;',
          '}',
        ].join('\n'),
      ),
    });
    // https://<id>.execute-api.<region>.amazonaws.com -> the host name.
    const apiDomain = Fn.select(2, Fn.split('/', props.operationsApi.httpApi.apiEndpoint));
    this.distribution = new Distribution(this, 'Distribution', {
      comment: `psflow ${props.stage} operations console`,
      httpVersion: HttpVersion.HTTP2_AND_3,
      enableLogging: true,
      logBucket: logs,
      logFilePrefix: 'cloudfront/',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        functionAssociations: [{ function: indexRewrite, eventType: FunctionEventType.VIEWER_REQUEST }],
      },
      additionalBehaviors: {
        '/api/*': {
          origin: new HttpOrigin(apiDomain, { protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY }),
          viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: AllowedMethods.ALLOW_ALL,
          // Answers are per caller and change with every decision: never cached.
          cachePolicy: CachePolicy.CACHING_DISABLED,
          originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
          functionAssociations: [{ function: stripApiPrefix, eventType: FunctionEventType.VIEWER_REQUEST }],
        },
      },
    });
    this.consoleUrl = `https://${this.distribution.distributionDomainName}${CONSOLE_PATH}`;

    const userPool = props.operationsApi.userPool;
    // Client and domain live in this nested stack, so the workflow stack keeps its one (CLI) client.
    this.signInDomain = new UserPoolDomain(this, 'ConsoleSignIn', {
      userPool,
      // Cognito domain prefixes are global per region: the stack's unique id keeps two deployments apart.
      cognitoDomain: { domainPrefix: `psflow-${props.stage}-${Names.uniqueId(this).slice(-8).toLowerCase()}` },
    });
    this.userPoolClient = new UserPoolClient(this, 'ConsoleClient', {
      userPool,
      generateSecret: false,
      preventUserExistenceErrors: true,
      authFlows: { userSrp: true },
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE],
        callbackUrls: [this.consoleUrl],
        logoutUrls: [this.consoleUrl],
      },
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
    });
    props.operationsApi.acceptClient(this.userPoolClient);

    const deployment = new BucketDeployment(this, 'Deploy', {
      sources: [
        Source.asset(dist, { exclude: ['config.json', '.psflow-console-hash'] }),
        Source.jsonData('config.json', {
          mode: 'cognito',
          cognitoDomain: this.signInDomain.baseUrl(),
          clientId: this.userPoolClient.userPoolClientId,
          redirectUri: this.consoleUrl,
        }),
      ],
      destinationBucket: this.bucket,
      destinationKeyPrefix: CONSOLE_PATH.slice(1),
      distribution: this.distribution,
      distributionPaths: [`${CONSOLE_PATH}*`],
      memoryLimit: 256,
    });
    // On the parent stack, beside the API URL and the user pool, where clients read outputs.
    new CfnOutput(Stack.of(scope), CONSOLE_URL_OUTPUT, {
      value: this.consoleUrl,
      description: 'The operations console (sign in with the user pool)',
    });
    this.acknowledgeFindings(logs, deployment);
  }

  private acknowledgeFindings(logs: Bucket, deployment: BucketDeployment): void {
    Validations.of(logs).acknowledge({
      id: 'AwsSolutions::AwsSolutions-S1',
      reason: 'This is the access-log bucket itself; logging its own access would log into itself.',
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions::AwsSolutions-S1',
      reason:
        "Every read of the site goes through CloudFront, whose access logs record it; only CDK's deployment writes (recorded by CloudTrail). S3 server access logging would also make CDK acknowledge a deprecated-ACL finding on the log bucket.",
    });
    Validations.of(this.distribution).acknowledge(
      {
        id: 'AwsSolutions::AwsSolutions-CFR1',
        reason:
          'Operators work from any country; who may act is decided by sign-in and the directory, not by geography.',
      },
      {
        id: 'AwsSolutions::AwsSolutions-CFR2',
        reason:
          'A WAF web ACL is a per-deployment cost decision; the console is static files and every API call needs a user-pool token.',
      },
      {
        id: 'AwsSolutions::AwsSolutions-CFR4',
        reason:
          'The distribution uses the default *.cloudfront.net certificate, for which CloudFront fixes the viewer TLS policy; a stage that adds its own domain and certificate sets TLSv1.2_2021 with it.',
      },
    );
    // The deployment's handler is a CDK singleton at stack scope (one per stack, Python, CDK-managed).
    const handler = this.node.children.filter((child) => child.node.id.startsWith('Custom::CDKBucketDeployment'));
    for (const construct of handler)
      Validations.of(construct).acknowledge({
        id: 'AwsSolutions::AwsSolutions-L1',
        reason: "The BucketDeployment handler's runtime is chosen and updated by aws-cdk-lib, not by this app.",
      });
    const role = deployment.handlerRole instanceof Construct ? [deployment.handlerRole] : [];
    // cdk-nag names unresolved parts of an ARN by their pseudo parameter.
    const part = (value: string, name: string): string => (Token.isUnresolved(value) ? `<AWS::${name}>` : value);
    const assets = `arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-${part(this.account, 'AccountId')}-${part(this.region, 'Region')}/*`;
    const site =
      this.bucket.node.defaultChild instanceof CfnBucket ? this.getLogicalId(this.bucket.node.defaultChild) : '';
    const copies =
      "CDK's BucketDeployment handler copies every object of the console's asset (CDK's asset bucket) into the site bucket and prunes what the build no longer has: object wildcards on those two buckets only.";
    for (const construct of role)
      Validations.of(construct).acknowledge(
        {
          id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
          reason:
            "CDK's BucketDeployment handler logs through AWSLambdaBasicExecutionRole; it runs only while a deployment copies the console.",
        },
        {
          id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
          reason:
            "CDK's BucketDeployment handler invalidates the console's paths on the distribution, and CloudFront's CreateInvalidation grant is written for every distribution by aws-cdk-lib.",
        },
        ...['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*'].map((action) => ({
          id: `AwsSolutions::AwsSolutions-IAM5[Action::${action}]`,
          reason: copies,
        })),
        { id: `AwsSolutions::AwsSolutions-IAM5[Resource::${assets}]`, reason: copies },
        { id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${site}.Arn>/*]`, reason: copies },
      );
  }
}
