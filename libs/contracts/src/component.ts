/**
 * The six independent measurements that make up a confluence score, and the named sub-scores
 * of each (DESIGN.md, "The engine"). Config, engine and API all key weights by these names.
 */
export const COMPONENT_SUBSCORES = {
  orderFlow: ['cumulativeVolumeDelta', 'tradeImbalance', 'largeTradePressure', 'openInterestChange'],
  orderBook: ['depthImbalance', 'spread', 'walls', 'orderImbalanceRatio'],
  volume: ['obv', 'cmf', 'adLine', 'relativeVolume', 'vwapPosition', 'volumeDelta'],
  priceStructure: [
    'supportResistance',
    'marketStructure',
    'breakOfStructure',
    'rangePosition',
    'fairValueGaps',
    'multiTimeframeTrend',
  ],
  technical: [
    'rsi',
    'macd',
    'awesomeOscillator',
    'williamsR',
    'cci',
    'adx',
    'atr',
    'stochastic',
    'movingAverages',
  ],
  sentiment: ['fundingRate', 'longShortRatio', 'liquidations', 'volatilityRegime'],
} as const;

export type ComponentName = keyof typeof COMPONENT_SUBSCORES;
export type SubscoreName<C extends ComponentName> = (typeof COMPONENT_SUBSCORES)[C][number];

export const COMPONENT_NAMES = Object.freeze(Object.keys(COMPONENT_SUBSCORES)) as readonly ComponentName[];
