import { BulkExportError, InvalidInputError, MissingConfigurationError, RedisUnavailableError } from '../errors/index.js';
import { readEnvironment } from '../config/environment.js';
import { isRedisUnreachable, redactUrl } from '../queue/redis-connection.js';

/** Prints an error the way a user should read it and returns the process exit code. */
export function reportFailure(error: unknown, stderr: NodeJS.WritableStream = process.stderr): number {
  if (error instanceof InvalidInputError || error instanceof MissingConfigurationError) {
    stderr.write(`error: ${error.message}\n`);
    return 2;
  }
  if (error instanceof BulkExportError) {
    stderr.write(`error: ${error.message}\n`);
    return 1;
  }
  // A command that reached Redis without withRedis: say which Redis did not answer, not the client's wording.
  if (isRedisUnreachable(error)) {
    const unavailable = new RedisUnavailableError(redactUrl(configuredRedisUrl()), (error as Error).message);
    stderr.write(`error: ${unavailable.message}\n`);
    return 1;
  }
  const message = error instanceof Error ? error.message : String(error);
  stderr.write(`error: ${message}\n`);
  return 1;
}

/** REDIS_URL as the command read it; the placeholder when the environment itself cannot be read. */
function configuredRedisUrl(): string {
  try {
    return readEnvironment().redisUrl;
  } catch {
    return 'REDIS_URL';
  }
}
