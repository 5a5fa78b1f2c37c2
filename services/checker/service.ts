import { Counter } from 'prom-client';
import { z } from 'zod';
import { consumeTopic } from '../shared/consume.ts';
import type { Runtime, ServiceSpec } from '../shared/service.ts';
import type { DomainLapsed, DomainStatus } from '../shared/records.ts';
import { createChecker, parseCheckRequest } from './checker.ts';
import {
  PROVIDER_ENV,
  createProvider,
  providerSettingsFromEnv,
  providerSettingsSchema,
} from './providers/create-provider.ts';

const settingsSchema = z.object({
  provider: providerSettingsSchema,
  groupId: z.string().min(1),
});

type CheckerSettings = z.infer<typeof settingsSchema>;

export const checkerService: ServiceSpec<typeof settingsSchema> = {
  name: 'checker',
  settingsSchema,
  settingsFromEnv: (env) => ({
    provider: providerSettingsFromEnv(env),
    // Prefixed like the topics, so deployments sharing a cluster never share a group.
    groupId: env.CHECKER_GROUP_ID ?? `${env.TOPIC_PREFIX ?? ''}domain-guard-checker`,
  }),
  envNames: {
    ...Object.fromEntries(
      Object.entries(PROVIDER_ENV).map(([field, name]) => [`provider.${field}`, name]),
    ),
    groupId: 'CHECKER_GROUP_ID',
  },
  start,
};

async function start(rt: Runtime<CheckerSettings>) {
  const { topics, codec, bus } = rt;
  const provider = createProvider(rt.settings.provider, rt.logger);
  const checker = createChecker({
    provider,
    async publishStatus(status: DomainStatus) {
      const value = await codec.encode(topics.domainStatus, status);
      await bus.send(topics.domainStatus.name, [{ key: status.domain, value }]);
    },
    async publishLapsed(lapsed: DomainLapsed) {
      const value = await codec.encode(topics.domainLapsed, lapsed);
      await bus.send(topics.domainLapsed.name, [{ key: lapsed.domain, value }]);
    },
  });
  // Unknown answers are the ones to alert on: a provider down, a TLD we cannot ask.
  const verdicts = new Counter({
    name: 'dg_domain_checks_total',
    help: 'Checks answered, by lifecycle state and provider',
    labelNames: ['state', 'provider'],
    registers: [rt.metrics.registry],
  });
  const subscription = await consumeTopic({
    bus,
    codec,
    topic: topics.domainChecks,
    groupId: rt.settings.groupId,
    logger: rt.logger.child({ component: 'checker' }),
    metrics: rt.metrics,
    parse: parseCheckRequest,
    handle: async (request, ctx) => {
      const status = await checker.handle(request, ctx.logger);
      verdicts.inc({ state: status.state, provider: status.provider });
    },
  });
  return {
    async stop() {
      await subscription.stop();
      await provider.close();
    },
  };
}
