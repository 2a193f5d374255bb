import { pino, type Logger } from 'pino';

export type { Logger };

/** Paths pino blanks in every line, wherever a credential could travel. */
const REDACTED_PATHS = [
  'token',
  'apiKey',
  'authorization',
  'headers.authorization',
  'headers.Authorization',
  '*.token',
  '*.apiKey',
  '*.authorization',
  '*.headers.authorization',
  '*.headers.Authorization',
];

export function createLogger(options: { level?: string; name?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  return pino(
    {
      name: options.name ?? 'bulk-export',
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      base: { pid: process.pid },
    },
    (options.destination ?? process.stderr) as pino.DestinationStream,
  );
}
