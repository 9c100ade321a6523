/**
 * The CloudFormation outputs a client of a deployed stage needs. The stack writes them and
 * the CLI reads them (`--endpoint aws --stage NAME`), so both import these names and a
 * renamed output breaks the build instead of the lookup.
 */

/** Output keys of the stage's endpoints and identifiers. */
export const StackOutput = {
  /** Base URL of the operations HTTP API (its `$default` stage). */
  ApiUrl: 'ApiUrl',
  /** Id of the Cognito user pool whose tokens the API accepts. */
  UserPoolId: 'UserPoolId',
  /** Id of the user pool app client the CLI signs in with. */
  UserPoolClientId: 'UserPoolClientId',
  /** Name of the stage's custom event bus. */
  EventBusName: 'EventBusName',
} as const;

/** Prefix of the output key that names a table (`Table` + the table's short name in PascalCase). */
const TABLE_OUTPUT_PREFIX = 'Table';

/** The CloudFormation stack of a stage. */
export function stackNameOf(stage: string): string {
  return `psflow-${stage}`;
}

/** The export name of an output: exports are unique per account and region, so it carries the stage. */
export function exportNameOf(stage: string, outputKey: string): string {
  return `${stackNameOf(stage)}-${outputKey}`;
}

/** The output key naming a table by its short kebab-case name: `sandbox-crm` → `TableSandboxCrm`. */
export function tableOutputKey(shortName: string): string {
  const pascal = shortName
    .split('-')
    .filter((part) => part.length > 0)
    .map((part) => part[0].toUpperCase() + part.slice(1))
    .join('');
  return `${TABLE_OUTPUT_PREFIX}${pascal}`;
}
