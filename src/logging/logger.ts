import { createRequire } from 'node:module';
import { pino, type Logger } from 'pino';
import { secretScrubber } from './secret-scrubber.js';
import type { Environment } from '../config/environment.js';

export type { Logger };

/** Paths pino blanks in every line, wherever a credential could travel. */
const REDACTED_PATHS = [
  'token',
  'apiKey',
  'password',
  'authorization',
  'headers.authorization',
  'headers.Authorization',
  '*.token',
  '*.apiKey',
  '*.password',
  '*.authorization',
  '*.Authorization',
  '*.headers.authorization',
  '*.headers.Authorization',
  '*.*.headers.authorization',
  '*.*.headers.Authorization',
];

export interface LoggerOptions {
  /** pino level (LOG_LEVEL); default info. */
  level?: string;
  name?: string;
  /** Default stderr. */
  destination?: NodeJS.WritableStream;
  /** Human-readable lines (pino-pretty) instead of JSON (LOG_PRETTY). */
  pretty?: boolean;
  /** Where to find the secrets to scrub from every line; default process.env. */
  variables?: NodeJS.ProcessEnv;
}

/** The logger of a command: level, pretty lines and the secrets to scrub, all from the environment. */
export function loggerFor(environment: Pick<Environment, 'logLevel' | 'logPretty' | 'variables'>, name: string): Logger {
  return createLogger({ level: environment.logLevel, pretty: environment.logPretty, variables: environment.variables, name });
}

/**
 * JSON lines (pino) on stderr. Credentials never reach the output, in two layers: known fields
 * (`token`, `authorization`, `headers.authorization`, ...) are redacted by path, and every line is
 * scrubbed of the values of this process's secret variables (`*_TOKEN`, `*_API_KEY`, `*_SECRET...`,
 * `*_PASSWORD`) and of `Bearer`/`Basic` credentials wherever they appear, e.g. inside an error message.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const variables = options.variables ?? process.env;
  const destination = options.destination ?? process.stderr;
  const pretty = options.pretty ?? false;
  return pino(
    {
      name: options.name ?? 'bulk-export',
      level: options.level ?? 'info',
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      base: { pid: process.pid },
      hooks: { streamWrite: secretScrubber(variables) },
    },
    (pretty ? prettyStream(destination) : destination) as pino.DestinationStream,
  );
}

/** pino-pretty as a synchronous stream in this thread (no transport worker), loaded only when asked for. */
function prettyStream(destination: NodeJS.WritableStream): NodeJS.WritableStream {
  const require = createRequire(import.meta.url);
  const build = require('pino-pretty') as (options: Record<string, unknown>) => NodeJS.WritableStream;
  const colorize = destination === process.stderr && Boolean(process.stderr.isTTY);
  return build({ destination, sync: true, colorize, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' });
}
