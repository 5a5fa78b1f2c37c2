import { runMain } from '../shared/service.ts';
import { watcherService } from './service.ts';

await runMain(watcherService);
