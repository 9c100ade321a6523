import * as fs from 'node:fs';
import * as path from 'node:path';

/** A JSON value as found in a CloudFormation template. */
export type TemplateValue = null | boolean | number | string | TemplateValue[] | { [key: string]: TemplateValue };

/** One resource of a synthesized template. */
export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, TemplateValue>;
  readonly Metadata?: Record<string, TemplateValue>;
}

/** One stack of the cloud assembly, with its template already parsed. */
export interface AssemblyStack {
  readonly stackName: string;
  readonly templateFile: string;
  readonly resources: Readonly<Record<string, TemplateResource>>;
}

/** The cloud assembly (`cdk.out`) as the local cloud sees it. */
export interface CloudAssembly {
  readonly directory: string;
  readonly stacks: readonly AssemblyStack[];
}

interface ManifestArtifact {
  readonly type: string;
  readonly displayName?: string;
  readonly properties?: { readonly templateFile?: string; readonly stackName?: string };
}

/**
 * Reads every CloudFormation stack from a synthesized cloud assembly.
 *
 * @throws Error naming the file when the assembly is missing or malformed
 */
export function readCloudAssembly(directory: string): CloudAssembly {
  const manifestPath = path.join(directory, 'manifest.json');
  if (!fs.existsSync(manifestPath)) {
    throw new Error(`No cloud assembly at ${directory}: ${manifestPath} is missing (run "npx cdk synth")`);
  }
  const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as {
    artifacts?: Record<string, ManifestArtifact>;
  };
  const stacks: AssemblyStack[] = [];
  for (const [artifactId, artifact] of Object.entries(manifest.artifacts ?? {})) {
    if (artifact.type !== 'aws:cloudformation:stack' || !artifact.properties?.templateFile) continue;
    const templateFile = path.join(directory, artifact.properties.templateFile);
    const template = JSON.parse(fs.readFileSync(templateFile, 'utf8')) as {
      Resources?: Record<string, TemplateResource>;
    };
    // CDK records stackName only when it differs from the artifact id; displayName is a construct path.
    stacks.push({
      stackName: artifact.properties.stackName ?? artifactId,
      templateFile,
      resources: template.Resources ?? {},
    });
  }
  if (stacks.length === 0) throw new Error(`Cloud assembly ${directory} holds no CloudFormation stack`);
  return { directory, stacks };
}
