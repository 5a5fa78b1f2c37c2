/**
 * One error vocabulary for every service. Each error has a stable `code` an operator can
 * search for, says whether trying again can help, and keeps its `cause`.
 */
export type ErrorCode =
  | 'DG_CONFIG_INVALID'
  | 'DG_EMAIL_UNMAPPABLE'
  | 'DG_MESSAGE_MALFORMED'
  | 'DG_PROVIDER_FAILED'
  | 'DG_PROVIDER_RATE_LIMITED'
  | 'DG_PROVIDER_TIMEOUT'
  | 'DG_PROVIDER_UNSUPPORTED'
  | 'DG_DATABASE_FAILED'
  | 'DG_SCHEMA_REGISTRY_FAILED'
  | 'DG_STACK_UNAVAILABLE';

export interface ErrorOptions {
  retriable?: boolean;
  cause?: unknown;
}

export class DomainGuardError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;

  constructor(code: ErrorCode, message: string, options: ErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retriable = options.retriable ?? false;
  }
}

/** A setting is missing or wrong; start-up stops and lists every problem. */
export class ConfigError extends DomainGuardError {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    const list = problems.map((p) => `  - ${p}`).join('\n');
    super('DG_CONFIG_INVALID', `invalid configuration, fix these settings:\n${list}`);
    this.problems = problems;
  }
}

/**
 * A Kafka message that can never be processed (bad bytes, unknown schema, invalid field).
 * The consumer sends it to the dead-letter topic with this error's message as the reason.
 */
export class MalformedMessageError extends DomainGuardError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('DG_MESSAGE_MALFORMED', message, { retriable: false, cause: options.cause });
  }
}

/** True when retrying the same work later may succeed; unknown errors count as transient. */
export function isRetriable(err: unknown): boolean {
  if (err instanceof DomainGuardError) return err.retriable;
  return true;
}
