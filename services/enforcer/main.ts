import { runMain } from '../shared/service.ts';
import { enforcerService } from './service.ts';

await runMain(enforcerService);
