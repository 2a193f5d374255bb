import { readFileSync } from 'node:fs';
import { InvalidConfigurationError } from '../errors/index.js';

/**
 * Credentials that may also be given as a file, `<NAME>_FILE=/path`, the way Docker and Kubernetes mount
 * secrets: the sources' credentials (`sourceCredentials`, e.g. VIRTUOUS_API_TOKEN), the AWS keys, Redis's,
 * the board's, CREDENTIALS_KEY, the keys that seal accounts' credentials in Redis, and NOTIFY_SECRET, the key
 * completion notifications are signed with. Other `*_FILE`
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
    'NOTIFY_SECRET',
  ];
}

/** The variables whose files were read: each once, though the CLI's start-up and the API's constructor both ask. */
const loaded = new WeakSet<NodeJS.ProcessEnv>();

/**
 * Sets each credential given as `<NAME>_FILE` from its file (one trailing line break dropped, as `echo`
 * and editors leave one), in `variables` itself: the AWS SDK reads its keys from the process environment,
 * and the log scrubber blanks every credential it finds there. Runs once per `variables`, before anything
 * reads its configuration (again, it changes nothing: `NAME` set from its file is no second way of giving it).
 * Giving both `NAME` and `NAME_FILE`, a file that cannot be read, or an empty one is refused.
 */
export function loadSecretFiles(variables: NodeJS.ProcessEnv, sourceCredentials: readonly string[]): void {
  if (loaded.has(variables)) return;
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
  loaded.add(variables);
}
