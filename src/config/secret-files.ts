import { readFileSync } from 'node:fs';
import { InvalidConfigurationError } from '../errors/index.js';

/**
 * Credentials that may also be given as a file, `<NAME>_FILE=/path`, the way Docker and Kubernetes mount
 * secrets: the sources' credentials (`sourceCredentials`, e.g. VIRTUOUS_API_TOKEN), the AWS keys, Redis's,
 * the board's, and CREDENTIALS_KEY, the keys that seal accounts' credentials in Redis. Other `*_FILE`
 * variables (`REDIS_TLS_CA_FILE`, ...) name files of their own and are not read here.
 */
export function secretFileVariables(sourceCredentials: readonly string[]): string[] {
  return [
    ...sourceCredentials,
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_SESSION_TOKEN',
    'REDIS_URL',
    'REDIS_USERNAME',
    'REDIS_PASSWORD',
    'REDIS_SENTINEL_USERNAME',
    'REDIS_SENTINEL_PASSWORD',
    'BOARD_USER',
    'BOARD_PASSWORD',
    'CREDENTIALS_KEY',
  ];
}

/**
 * Sets each credential given as `<NAME>_FILE` from its file (one trailing line break dropped, as `echo`
 * and editors leave one), in `variables` itself: the AWS SDK reads its keys from the process environment,
 * and the log scrubber blanks every credential it finds there. Runs once, before any command reads its
 * configuration. Giving both `NAME` and `NAME_FILE`, a file that cannot be read, or an empty one is refused.
 */
export function loadSecretFiles(variables: NodeJS.ProcessEnv, sourceCredentials: readonly string[]): void {
  for (const name of secretFileVariables(sourceCredentials)) {
    const fileVariable = `${name}_FILE`;
    const path = variables[fileVariable];
    if (!path) continue;
    if (variables[name]) throw new InvalidConfigurationError(fileVariable, `is set, and so is ${name}: give the credential one way only`);
    let value: string;
    try {
      value = readFileSync(path, 'utf8').replace(/\r?\n$/, '');
    } catch (error) {
      throw new InvalidConfigurationError(
        fileVariable,
        `names "${path}", which cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
    if (value.trim() === '') throw new InvalidConfigurationError(fileVariable, `names "${path}", which is empty`);
    variables[name] = value;
  }
}
