import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import type { Logger } from '../services/logger.js';

/** Lets Bolt write through our pino logger (and its redaction) instead of the console. */
export function boltLogger(logger: Logger): BoltLogger {
  let level: LogLevel = LogLevel.INFO;
  const text = (parts: unknown[]) => parts.map((part) => (typeof part === 'string' ? part : String(part))).join(' ');
  return {
    debug: (...parts: unknown[]) => logger.debug({ component: 'bolt' }, text(parts)),
    info: (...parts: unknown[]) => logger.info({ component: 'bolt' }, text(parts)),
    warn: (...parts: unknown[]) => logger.warn({ component: 'bolt' }, text(parts)),
    error: (...parts: unknown[]) => logger.error({ component: 'bolt' }, text(parts)),
    setLevel: (next: LogLevel) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}
