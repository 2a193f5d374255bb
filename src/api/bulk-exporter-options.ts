import type { Logger } from '../logging/logger.js';

/** How a BulkExporter is made. Its configuration is read once, when it is constructed. */
export interface BulkExporterOptions {
  /**
   * The configuration, the same variables as the CLI's (README's "Environment": REDIS_URL,
   * BULK_EXPORT_QUEUE_PREFIX, S3_ENDPOINT, AWS_REGION, AWS_ACCESS_KEY_ID, CREDENTIALS_KEY, ...), including
   * credentials given as files (`<NAME>_FILE`). A given object is copied, never changed.
   *
   * @defaultValue `process.env`
   */
  variables?: NodeJS.ProcessEnv;

  /**
   * Where the exporter logs (pino): an export enqueued, a scheduled run. Lines are scrubbed of every
   * credential in `variables`.
   *
   * @defaultValue a pino logger on stderr with LOG_LEVEL and LOG_PRETTY from `variables`
   */
  logger?: Logger;

  /**
   * Lines for the operator while an export is checked and planned (which kind of load it is, the change
   * window, warnings about a filter, an API request tried again) and while `wait` rides out Redis going
   * away. The CLI prints them on stderr.
   *
   * @defaultValue each line logged at info through `logger`
   */
  onNotice?: (line: string) => void;

  /**
   * The name of the exporter's Redis connection, as `CLIENT LIST` shows it.
   *
   * @defaultValue `'bulk-export:api'`
   */
  connectionName?: string;
}
