import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

/** Field names whose values are never written to a log line. */
const REDACTED_PATHS = [
  'secretKey', '*.secretKey', '*.*.secretKey', 'SecretKey', '*.SecretKey',
  'token', '*.token', 'botToken', '*.botToken', 'appToken', '*.appToken',
  'signingSecret', '*.signingSecret', 'masterKey', '*.masterKey',
  'authorization', '*.authorization', 'headers.authorization',
];

export function createLogger(options: { level?: string; destination?: DestinationStream } = {}): Logger {
  return pino(
    { level: options.level ?? 'info', redact: { paths: REDACTED_PATHS, censor: '[redacted]' } },
    options.destination,
  );
}
