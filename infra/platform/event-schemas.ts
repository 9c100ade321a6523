import { CfnRegistry, CfnSchema } from 'aws-cdk-lib/aws-eventschemas';
import { Construct } from 'constructs';
import { detailJsonSchema, EVENT_CONTRACTS } from '../../shared/events/contracts';

/** Props of {@link EventSchemas}. */
export interface EventSchemasProps {
  readonly stage: string;
}

/**
 * The stage's schema registry, with one JSON Schema per event contract version, generated
 * from the same zod schemas producers and consumers validate with.
 */
export class EventSchemas extends Construct {
  public readonly registry: CfnRegistry;
  /** Registry schemas by contract name. */
  public readonly schemas: ReadonlyMap<string, CfnSchema>;

  constructor(scope: Construct, id: string, props: EventSchemasProps) {
    super(scope, id);
    this.registry = new CfnRegistry(this, 'Registry', {
      registryName: `psflow-${props.stage}`,
      description: 'psflow event contracts, generated from shared/events/contracts.ts',
    });
    const schemas = new Map<string, CfnSchema>();
    for (const contract of EVENT_CONTRACTS) {
      const content = {
        $schema: 'http://json-schema.org/draft-04/schema#',
        title: `${contract.name} v${contract.version}`,
        description: contract.description,
        type: 'object',
        properties: {
          source: { type: 'string', enum: [contract.source] },
          'detail-type': { type: 'string', enum: [contract.detailType] },
          detail: { ...detailJsonSchema(contract), $schema: undefined },
        },
        required: ['source', 'detail-type', 'detail'],
      };
      const schema = new CfnSchema(this, `${contract.name}V${contract.version}`, {
        registryName: this.registry.attrRegistryName,
        schemaName: `${contract.source}@${contract.name}V${contract.version}`,
        type: 'JSONSchemaDraft4',
        description: `${contract.detailType} (v${contract.version}) from ${contract.producer}`,
        content: JSON.stringify(content),
      });
      schemas.set(contract.name, schema);
    }
    this.schemas = schemas;
  }
}
