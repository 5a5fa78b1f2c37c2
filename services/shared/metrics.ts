import { createServer, type Server } from 'node:http';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Counters and histograms every service shares; services add their own to `registry`. */
export interface Metrics {
  registry: Registry;
  processed: Counter<'topic'>;
  retried: Counter<'topic'>;
  deadLettered: Counter<'topic'>;
  handleSeconds: Histogram<'topic'>;
}

export function createMetrics(service: string): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    processed: new Counter({
      name: 'dg_messages_processed_total',
      help: 'Messages handled successfully',
      labelNames: ['topic'],
      registers,
    }),
    retried: new Counter({
      name: 'dg_messages_retried_total',
      help: 'Failed handling attempts that will be retried',
      labelNames: ['topic'],
      registers,
    }),
    deadLettered: new Counter({
      name: 'dg_messages_dead_lettered_total',
      help: 'Messages sent to a dead-letter topic',
      labelNames: ['topic'],
      registers,
    }),
    handleSeconds: new Histogram({
      name: 'dg_message_handle_seconds',
      help: 'Time from receiving a message to committing it, retries included',
      labelNames: ['topic'],
      registers,
    }),
  };
}

/** Serves `/metrics` on every interface, for a scraper elsewhere; port 0 means off. */
export async function serveMetrics(metrics: Metrics, port: number): Promise<Server | undefined> {
  if (port === 0) return undefined;
  const server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    metrics.registry.metrics().then(
      (body) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(body),
      (err: unknown) => res.writeHead(500).end(String(err)),
    );
  });
  await new Promise<void>((resolve) => server.listen(port, resolve));
  return server;
}
