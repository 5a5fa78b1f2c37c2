import { runMain } from '../shared/service.ts';
import { checkerService } from './service.ts';

await runMain(checkerService);
