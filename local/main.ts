import 'reflect-metadata';
import { runService } from '@app/platform';
import { localService } from './local.definition.js';

await runService(localService);
