import { Construct } from 'constructs';
import { EXCEPTION_INDEXES } from '../../shared/repositories/exceptions-table';
import { EnvVar } from '../../shared/runtime/environment';
import { ServiceFunction } from '../platform/service-function';
import { ServiceTable } from '../platform/service-table';

/** Props of {@link ExceptionQueue}. */
export interface ExceptionQueueProps {
  readonly stage: string;
}

/**
 * The business-owned exception queue (design decision 6): the table of exceptions, listed by
 * owner, status and execution, and the function every guarded step calls to file one and
 * park its task token.
 */
export class ExceptionQueue extends Construct {
  public readonly exceptionsTable: ServiceTable;
  public readonly fileException: ServiceFunction;

  constructor(scope: Construct, id: string, props: ExceptionQueueProps) {
    super(scope, id);
    const { stage } = props;
    this.exceptionsTable = new ServiceTable(this, 'ExceptionsTable', {
      stage,
      name: 'exceptions',
      partitionKey: 'exceptionId',
      globalSecondaryIndexes: Object.values(EXCEPTION_INDEXES).map((spec) => ({
        indexName: spec.name,
        partitionKey: spec.partitionKey,
        sortKey: spec.sortKey,
      })),
    });
    this.fileException = new ServiceFunction(this, 'FileExceptionFunction', {
      stage,
      name: 'file-exception',
      serviceName: 'exceptions',
      entry: 'functions/exceptions/file-exception.ts',
      description: 'Files an exception for a step that failed after its retries',
    }).bindTable(this.exceptionsTable, EnvVar.ExceptionsTable, 'readWrite');
  }
}
