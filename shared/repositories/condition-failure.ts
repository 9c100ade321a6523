import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';

/**
 * True when a conditional write lost: the item already exists, or another writer changed it
 * first. Checked by class and by name, because errors that crossed a retry wrapper or a
 * worker boundary keep the name but not the prototype.
 */
export function isConditionFailure(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException ||
    (error instanceof Error && error.name === 'ConditionalCheckFailedException')
  );
}
