import type { Logger } from '../shared/logger.ts';
import type { DomainCheckRequest } from '../shared/records.ts';
import type { AddressStore } from './address-store.ts';
import type { DomainStore } from './domain-store.ts';
import type { WatcherSettings } from './settings.ts';

/** What the watcher's parts share; built once by createWatcher. */
export interface WatcherContext {
  addresses: AddressStore;
  domains: DomainStore;
  settings: WatcherSettings;
  requestCheck: (request: DomainCheckRequest) => Promise<void>;
  logger: Logger;
  now: () => number;
  newId: () => string;
}
