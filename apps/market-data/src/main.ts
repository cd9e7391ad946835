import 'reflect-metadata';
import { runService } from '@app/platform';
import { marketDataService } from './market-data.definition.js';

await runService(marketDataService);
