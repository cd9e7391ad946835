import { describe } from '@jest/globals';
import { describeOperations } from './gateway-rest/operations.js';
import { describePostedAnalysis } from './gateway-rest/posted-analysis.js';
import { describeResultReads } from './gateway-rest/result-reads.js';
import { describeResponseSchemas } from './gateway-rest/response-schemas.js';
import { restGateway } from './gateway-rest/rest-kit.js';

/**
 * The gateway's REST API over the real local-mode app (market-data replay → worker → store →
 * gateway), booted once for all the groups: replaying the candles is most of the cost, and the
 * groups only read what it stored. Posted analysis runs last because it stores a result under a
 * market of its own, which the market list of the first group must not show.
 */
describe('REST API over a replayed local-mode app', () => {
  const gateway = restGateway();
  describeResultReads(gateway);
  describeOperations(gateway);
  describeResponseSchemas(gateway);
  describePostedAnalysis(gateway);
});
