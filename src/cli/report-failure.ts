import { BulkExportError, InvalidInputError, MissingConfigurationError } from '../errors/index.js';

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
  const message = error instanceof Error ? error.message : String(error);
  stderr.write(`error: ${message}\n`);
  return 1;
}
