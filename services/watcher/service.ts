import type { z } from 'zod';
import { consumeTopic } from '../shared/consume.ts';
import type { Runtime, ServiceSpec } from '../shared/service.ts';
import type { DomainCheckRequest, UserChange } from '../shared/records.ts';
import { parseDomainStatus } from './parse.ts';
import { WATCHER_ENV_NAMES, watcherSettingsFromEnv, watcherSettingsSchema } from './settings.ts';
import { createSweepSchedule } from './sweep-schedule.ts';
import { createWatcher, type Watcher } from './watcher.ts';

const settingsSchema = watcherSettingsSchema.extend({});
type Settings = z.infer<typeof settingsSchema>;

export const watcherService: ServiceSpec<typeof settingsSchema> = {
  name: 'watcher',
  settingsSchema,
  settingsFromEnv: watcherSettingsFromEnv,
  envNames: WATCHER_ENV_NAMES,
  start,
};

/** The watcher wired to Kafka, without consumers: what `domain-guard sweep` needs. */
export function watcherFor(rt: Runtime<Settings>): Watcher {
  return createWatcher({
    db: rt.db,
    settings: rt.settings,
    logger: rt.logger,
    async requestCheck(request: DomainCheckRequest) {
      const value = await rt.codec.encode(rt.topics.domainChecks, request);
      await rt.bus.send(rt.topics.domainChecks.name, [{ key: request.domain, value }]);
    },
  });
}

async function start(rt: Runtime<Settings>) {
  const watcher = watcherFor(rt);
  await watcher.ensureIndexes();
  const common = { bus: rt.bus, codec: rt.codec, metrics: rt.metrics };
  const groupPrefix = `${rt.settings.topicPrefix}domain-guard-watcher`;

  const changes = await consumeTopic({
    ...common,
    topic: rt.topics.usersChanges,
    groupId: `${groupPrefix}-changes`,
    logger: rt.logger.child({ component: 'user-changes' }),
    parse: (value) => value as UserChange,
    handle: async (change, ctx) => {
      const outcome = await watcher.handleUserChange(change);
      ctx.logger.info({ kind: change.kind, userId: change.userId, ...outcome }, 'change handled');
    },
  });
  const statuses = await consumeTopic({
    ...common,
    topic: rt.topics.domainStatus,
    groupId: `${groupPrefix}-status`,
    logger: rt.logger.child({ component: 'domain-status' }),
    parse: parseDomainStatus,
    handle: async (status, ctx) => {
      const outcome = await watcher.handleDomainStatus(status);
      ctx.logger.debug(
        { domain: status.domain, state: status.state, ...outcome },
        'status recorded',
      );
    },
  });
  const schedule = createSweepSchedule({
    sweep: () => watcher.sweep(),
    intervalMs: rt.settings.sweepIntervalMs,
    runAtStart: rt.settings.sweepOnStart,
    logger: rt.logger,
  });
  schedule.start();

  return {
    async stop() {
      await schedule.stop();
      await Promise.all([changes.stop(), statuses.stop()]);
    },
  };
}
