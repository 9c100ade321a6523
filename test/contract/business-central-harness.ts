import { BusinessCentralApi } from '../../shared/connectors/business-central/business-central-client';
import type { ApiEntry } from '../../shared/integrations/api-catalogue';
import type { FakeBusinessCentral } from '../fixtures/vendor-business-central/fake-business-central';
import { contractClient, MapSecrets } from './contract-harness';

const SECRET = 'psflow/test/business-central';

/**
 * The governed client of the contract harness with a Business Central API over it, reading the
 * fake tenant's secret: what every Business Central adapter is built on in these tests.
 */
export function businessCentralClient(fake: FakeBusinessCentral, overrides: Partial<ApiEntry> = {}) {
  const harness = contractClient('business-central-api', 'erp', overrides);
  return { ...harness, api: new BusinessCentralApi(harness.http, new MapSecrets({ [SECRET]: fake.secret() }), SECRET) };
}
