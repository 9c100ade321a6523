import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { stackNameOf } from '../shared/deployment/stack-outputs';
import { selectConnectors } from '../shared/integrations/connector-selection';
import { PsflowStack } from './psflow-stack';

const app = new App();
const stage = String(app.node.tryGetContext('stage') ?? 'dev');
if (!/^[a-z][a-z0-9-]{0,19}$/.test(stage)) {
  throw new Error(`Invalid stage "${stage}": use 1-20 lowercase letters, digits or dashes, starting with a letter`);
}
const partnerEventBusNames = String(app.node.tryGetContext('partnerEventBuses') ?? '')
  .split(',')
  .map((name) => name.trim())
  .filter((name) => name.length > 0);
const connectorsOverride: unknown = app.node.tryGetContext('connectors');
new PsflowStack(app, stackNameOf(stage), {
  stage,
  partnerEventBusNames,
  connectors: selectConnectors(stage, connectorsOverride === undefined ? undefined : String(connectorsOverride)),
  description: `psflow workflow orchestration (${stage})`,
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
app.synth();
