/**
 * CDK context that synthesizes a stack without running esbuild for its functions. For tests that
 * check templates, IAM or cdk-nag findings rather than the bundled code: one bundling pass of every
 * function takes about two minutes on the CI machine.
 */
export const NO_BUNDLING: Record<string, string[]> = { 'aws:cdk:bundling-stacks': [] };
