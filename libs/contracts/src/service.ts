/** The deployable apps; `local` is the one-process host of all three (DESIGN.md, "Runtime modes"). */
export const ServiceName = {
  ApiGateway: 'api-gateway',
  AnalysisWorker: 'analysis-worker',
  MarketData: 'market-data',
  Local: 'local',
} as const;

export type ServiceName = (typeof ServiceName)[keyof typeof ServiceName];
