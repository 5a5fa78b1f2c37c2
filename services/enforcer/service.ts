import { z } from 'zod';
import { consumeTopic } from '../shared/consume.ts';
import type { EmailUnverified, DomainLapsed } from '../shared/records.ts';
import type { Runtime, ServiceSpec } from '../shared/service.ts';
import { createEnforcer, type Enforcer } from './enforcer.ts';
import { ENFORCER_ENV_NAMES, enforcerSettingsFromEnv, enforcerSettingsSchema } from './settings.ts';

const settingsSchema = enforcerSettingsSchema.extend({ groupId: z.string().min(1) });
type Settings = z.infer<typeof settingsSchema>;

export const enforcerService: ServiceSpec<typeof settingsSchema> = {
  name: 'enforcer',
  settingsSchema,
  settingsFromEnv: (env) => ({
    ...enforcerSettingsFromEnv(env),
    // Two enforcers over two user collections need two groups: each sees every lapse.
    groupId: env.ENFORCER_GROUP_ID ?? `${env.TOPIC_PREFIX ?? ''}domain-guard-enforcer`,
  }),
  envNames: { ...ENFORCER_ENV_NAMES, groupId: 'ENFORCER_GROUP_ID' },
  start,
};

/** The enforcer wired to Kafka, without a consumer: what `domain-guard approve` needs. */
export function enforcerFor(rt: Runtime<Settings>): Enforcer {
  return createEnforcer({
    db: rt.db,
    settings: rt.settings,
    logger: rt.logger,
    async publish(events: EmailUnverified[]) {
      const topic = rt.topics.emailUnverified;
      const messages = await Promise.all(
        events.map(async (e) => ({ key: e.userId, value: await rt.codec.encode(topic, e) })),
      );
      await rt.bus.send(topic.name, messages);
    },
  });
}

async function start(rt: Runtime<Settings>) {
  const enforcer = enforcerFor(rt);
  await enforcer.ensureIndexes();
  if (rt.settings.dryRun) rt.logger.warn('dry-run mode: no user will be changed');

  const subscription = await consumeTopic({
    bus: rt.bus,
    codec: rt.codec,
    metrics: rt.metrics,
    topic: rt.topics.domainLapsed,
    groupId: rt.settings.groupId,
    logger: rt.logger.child({ component: 'enforcer' }),
    parse: (value) => value as DomainLapsed,
    handle: async (lapsed, ctx) => {
      const outcome = await enforcer.handle(lapsed);
      ctx.logger.info({ outcome }, 'lapse handled');
    },
  });
  return { stop: () => subscription.stop() };
}
