import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidConfigurationError, MissingConfigurationError, MissingCredentialError } from '../errors/index.js';
import { learnSecret } from '../logging/secret-scrubber.js';
import { DEFAULT_ACCOUNT } from './account-name.js';
import type { HandedCredentials } from './handed-credentials.js';

/**
 * Where a credential was found: handed over by an application (sealed in Redis), a file under
 * CREDENTIALS_DIR, or the source's environment variable (fixed for the life of the process).
 */
export type CredentialOrigin = 'handed-over' | 'file' | 'variable';

/** An account's credential as read just now, and where it was found. */
export interface AccountCredential {
  secret: string;
  /** `handed over`, `CREDENTIALS_DIR/virtuous/acme` or the variable's name (`VIRTUOUS_API_TOKEN`). */
  from: string;
  origin: CredentialOrigin;
}

/** The source as credentials are looked up for it: its name and the variable of its `default` account. */
export interface CredentialSource {
  name: string;
  credential: { variable: string; purpose: string };
}

/**
 * Finds an account's credential at the moment it is asked, so that a credential replaced is used from the
 * next read on (a worker reads again before failing a range on a 401): first one an application handed over
 * for the account (sealed in Redis, see HandedCredentials), then where `readAccountCredential` looks. The
 * application that hands credentials over manages them; CREDENTIALS_DIR and the environment are the
 * operator's.
 */
export async function findAccountCredential(
  source: CredentialSource,
  account: string,
  variables: NodeJS.ProcessEnv,
  handed: HandedCredentials | undefined,
): Promise<AccountCredential> {
  if (!handed) return readAccountCredential(source, account, variables);
  const secret = await handed.get(source.name, account);
  if (secret !== undefined) return learned({ secret, from: 'handed over', origin: 'handed-over' });
  return readAccountCredential(source, account, variables, ['the credentials handed over (none for this account)']);
}

/**
 * Reads an account's credential from the process's own configuration, at the moment it is asked:
 * 1. `CREDENTIALS_DIR/<source>/<account>`: one file per account, the layout of a Kubernetes Secret volume
 *    or Docker secrets (one trailing line break dropped);
 * 2. for the account `default` only, the source's variable (`VIRTUOUS_API_TOKEN`, `CLOSE_API_KEY`, or its
 *    `_FILE`), so that a single organization's setup needs no CREDENTIALS_DIR.
 * The secret is learned by the process's log scrubbers before it is returned.
 */
export function readAccountCredential(
  source: CredentialSource,
  account: string,
  variables: NodeJS.ProcessEnv,
  lookedBefore: readonly string[] = [],
): AccountCredential {
  const lookedIn = [...lookedBefore];
  const directory = variables.CREDENTIALS_DIR;
  if (directory) {
    const path = join(directory, source.name, account);
    const where = `CREDENTIALS_DIR/${source.name}/${account}`;
    const secret = readCredentialFile(path, where);
    if (secret !== undefined) return learned({ secret, from: where, origin: 'file' });
    lookedIn.push(`${where} (${path})`);
  } else if (account !== DEFAULT_ACCOUNT) {
    lookedIn.push(`CREDENTIALS_DIR/${source.name}/${account} (CREDENTIALS_DIR is not set)`);
  }
  if (account === DEFAULT_ACCOUNT) {
    const secret = variables[source.credential.variable];
    if (secret) return learned({ secret, from: source.credential.variable, origin: 'variable' });
    // A single organization's setup, without accounts: say which variable to set, as always.
    if (!directory) throw new MissingConfigurationError(source.credential.variable, source.credential.purpose);
    lookedIn.push(`${source.credential.variable} (or ${source.credential.variable}_FILE)`);
  }
  throw new MissingCredentialError(source.name, account, lookedIn);
}

function learned(credential: AccountCredential): AccountCredential {
  learnSecret(credential.secret);
  return credential;
}

/** The file's credential; undefined when there is no such file; an error when it cannot be read or is empty. */
function readCredentialFile(path: string, where: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new InvalidConfigurationError('CREDENTIALS_DIR', `holds ${where}, which cannot be read (${code ?? 'error'})`);
  }
  const secret = text.replace(/\r?\n$/, '');
  if (secret.trim() === '') throw new InvalidConfigurationError('CREDENTIALS_DIR', `holds ${where}, which is empty`);
  return secret;
}
