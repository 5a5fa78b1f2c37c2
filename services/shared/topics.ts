/**
 * Topic names, their Avro records and how they are created. The prefix lets several
 * deployments (or test runs) share one cluster without seeing each other's messages.
 */
export const TOPIC_KEYS = [
  'usersChanges',
  'domainChecks',
  'domainStatus',
  'domainLapsed',
  'emailUnverified',
] as const;
export type TopicKey = (typeof TOPIC_KEYS)[number];

interface TopicDefinition {
  name: string;
  /** File in schemas/ holding the value record. */
  schemaFile: string;
  compacted: boolean;
}

const DEFINITIONS: Record<TopicKey, TopicDefinition> = {
  usersChanges: { name: 'users.changes', schemaFile: 'UserChange.avsc', compacted: false },
  domainChecks: {
    name: 'domain.checks',
    schemaFile: 'DomainCheckRequest.avsc',
    compacted: false,
  },
  // Compacted: the topic itself is the table of every domain's latest status.
  domainStatus: { name: 'domain.status', schemaFile: 'DomainStatus.avsc', compacted: true },
  domainLapsed: { name: 'domain.lapsed', schemaFile: 'DomainLapsed.avsc', compacted: false },
  emailUnverified: {
    name: 'email.unverified',
    schemaFile: 'EmailUnverified.avsc',
    compacted: false,
  },
};

export interface Topic extends TopicDefinition {
  key: TopicKey;
  /** Where messages that can never be processed go, with the reason in headers. */
  deadLetter: string;
  /** Subject under the topic-name strategy. */
  subject: string;
}

export type Topics = Readonly<Record<TopicKey, Topic>>;

export function topicsFor(prefix: string): Topics {
  const entries = TOPIC_KEYS.map((key) => {
    const def = DEFINITIONS[key];
    const name = `${prefix}${def.name}`;
    const topic: Topic = { ...def, key, name, deadLetter: `${name}.dlq`, subject: `${name}-value` };
    return [key, Object.freeze(topic)] as const;
  });
  return Object.freeze(Object.fromEntries(entries) as Record<TopicKey, Topic>);
}
