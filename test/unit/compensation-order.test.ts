import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SandboxDocumentsConnector } from '../../shared/connectors/sandbox/sandbox-documents-connector';
import { SandboxErpConnector } from '../../shared/connectors/sandbox/sandbox-erp-connector';
import { SandboxPsaConnector } from '../../shared/connectors/sandbox/sandbox-psa-connector';
import { SandboxRecordStore } from '../../shared/connectors/sandbox/sandbox-record-store';
import { compensateActivation } from '../../shared/project-activation/activation-steps';

/** Which system compensated, in order; each connector reports what it undid, as the sandbox ones do. */
const undone: string[] = [];

// The store is never reached: each connector's compensation is replaced to record its turn.
const store = new SandboxRecordStore(
  DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })),
  'psflow-test-sandbox-records',
);

class RecordingDocuments extends SandboxDocumentsConnector {
  override async compensateProject(): Promise<string[]> {
    undone.push('documents');
    return ['onboarding tasks TL-1 cancelled'];
  }
}

class RecordingErp extends SandboxErpConnector {
  override async compensateProject(): Promise<string[]> {
    undone.push('erp');
    return ['erp billing B-1 voided', 'erp project E-1 closed'];
  }
}

class RecordingPsa extends SandboxPsaConnector {
  override async compensateProject(): Promise<string[]> {
    undone.push('psa');
    return ['psa project P-1 closed'];
  }
}

describe('compensateActivation', () => {
  it('undoes onboarding, then ERP billing and project, then the PSA project, as docs/project-activation.md says', async () => {
    // Prepare
    const ports = {
      documents: new RecordingDocuments(store),
      erp: new RecordingErp(store),
      psa: new RecordingPsa(store),
    };

    // Act
    const { actions } = await compensateActivation({ projectId: { system: 'psflow', id: 'prj-0001' } }, ports);

    // Assess
    expect(undone).toEqual(['documents', 'erp', 'psa']);
    expect(actions).toEqual([
      'onboarding tasks TL-1 cancelled',
      'erp billing B-1 voided',
      'erp project E-1 closed',
      'psa project P-1 closed',
    ]);
  });
});
