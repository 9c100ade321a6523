import { Construct } from 'constructs';
import { DIRECTORY_BY_SUBJECT_INDEX } from '../../shared/repositories/directory-table';
import { EnvVar } from '../../shared/runtime/environment';
import type { ServiceFunction } from '../platform/service-function';
import { ServiceTable } from '../platform/service-table';

/** Props of {@link PeopleDirectory}. */
export interface PeopleDirectoryProps {
  readonly stage: string;
}

/**
 * The directory of people and their role grants (`psflow-<stage>-directory`), keyed by
 * `userId`, with an index from the identity provider's subject so signing in is one Query.
 * Grants are data: an admin changes them through the operations API, no deploy needed. The
 * table is empty when deployed; docs/deploy.md says how to put the first admin in it.
 */
export class PeopleDirectory extends Construct {
  public readonly table: ServiceTable;

  constructor(scope: Construct, id: string, props: PeopleDirectoryProps) {
    super(scope, id);
    this.table = new ServiceTable(this, 'DirectoryTable', {
      stage: props.stage,
      name: 'directory',
      partitionKey: 'userId',
      globalSecondaryIndexes: [{ indexName: DIRECTORY_BY_SUBJECT_INDEX, partitionKey: 'subject' }],
    });
  }

  /** Lets a function read the directory, or (for the operations API) change grants as well. */
  serve(fn: ServiceFunction, access: 'read' | 'readWrite'): void {
    fn.bindTable(this.table, EnvVar.DirectoryTable, access);
  }
}
