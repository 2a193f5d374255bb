import { BulkExportError, InvalidInputError, MissingConfigurationError, MissingCredentialError } from '../errors/index.js';
import { readEnvironment } from '../config/environment.js';
import { redisAccessError } from '../queue/redis-connection.js';

/** Prints an error the way a user should read it and returns the process exit code. */
export function reportFailure(error: unknown, stderr: NodeJS.WritableStream = process.stderr): number {
  if (error instanceof InvalidInputError || error instanceof MissingConfigurationError || error instanceof MissingCredentialError) {
    stderr.write(`error: ${error.message}\n`);
    return 2;
  }
  if (error instanceof BulkExportError) {
    stderr.write(`error: ${error.message}\n`);
    return 1;
  }
  // A command that reached Redis without withRedis: say which Redis did not answer or refused, not the client's wording.
  const redisFailure = redisAccessError(error, configuredRedisLabel());
  if (redisFailure) {
    stderr.write(`error: ${redisFailure.message}\n`);
    return 1;
  }
  const message = error instanceof Error ? error.message : String(error);
  stderr.write(`error: ${message}\n`);
  return 1;
}

/** The Redis as the command read it, without its password; the placeholder when the environment itself cannot be read. */
function configuredRedisLabel(): string {
  try {
    return readEnvironment().redis.label;
  } catch {
    return 'REDIS_URL';
  }
}
