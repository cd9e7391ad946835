import { describe, expect, it } from '@jest/globals';
import { Test } from '@nestjs/testing';
import { ConfluenceConfigModule, loadConfig } from '@app/config';
import { PROJECT_CONFIG_DIR } from '@app/testing';
import { ConfluenceModule } from './confluence.module.js';
import { EngineFactory } from './engine/engine-factory.js';
import { ConfluenceEngine } from './engine/confluence-engine.js';
import { ResultFormatter } from './format/result-formatter.js';
import { WeightManager } from './weights/weight-manager.js';

describe('ConfluenceModule', () => {
  it('provides an engine and the weight manager built from the validated config', async () => {
    const config = loadConfig({ env: { NODE_ENV: 'test', CONFIG_DIR: PROJECT_CONFIG_DIR } });
    const module = await Test.createTestingModule({
      imports: [ConfluenceConfigModule.forRoot(config), ConfluenceModule],
    }).compile();
    const engine = module.get(ConfluenceEngine);
    expect(engine).toBeInstanceOf(ConfluenceEngine);
    expect(module.get(ResultFormatter)).toBeInstanceOf(ResultFormatter);
    // The shipped weights.yaml gives LTC/USDT its own thresholds.
    expect(module.get(WeightManager).forSymbol('LTC/USDT').thresholds).toEqual({ short: 35, long: 65 });
    expect(engine.configHash('BTC/USDT')).toMatch(/^[0-9a-f]{64}$/);
    // The factory builds engines of the same configuration, each with its own state.
    const built = module.get(EngineFactory).create();
    expect(built).not.toBe(engine);
    expect(built.configHash('BTC/USDT')).toBe(engine.configHash('BTC/USDT'));
    await module.close();
  });
});
