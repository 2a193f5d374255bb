import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidConfigurationError, MissingConfigurationError, MissingCredentialError } from '../errors/index.js';
import { learnSecret } from '../logging/secret-scrubber.js';
import { DEFAULT_ACCOUNT } from './account-name.js';

/** An account's credential as read just now, and where it was found. */
export interface AccountCredential {
  secret: string;
  /** `CREDENTIALS_DIR/virtuous/acme` or the variable's name (`VIRTUOUS_API_TOKEN`). */
  from: string;
  /** Read from the source's environment variable (fixed for the life of the process) rather than a file. */
  fromVariable: boolean;
}

/** The source as credentials are looked up for it: its name and the variable of its `default` account. */
export interface CredentialSource {
  name: string;
  credential: { variable: string; purpose: string };
}

/**
 * Reads an account's credential where the process finds it, at the moment it is asked, so that a
 * credential replaced in its file is used from the next read on (a worker reads again before failing a
 * range on a 401):
 * 1. `CREDENTIALS_DIR/<source>/<account>`: one file per account, the layout of a Kubernetes Secret volume
 *    or Docker secrets (one trailing line break dropped);
 * 2. for the account `default` only, the source's variable (`VIRTUOUS_API_TOKEN`, `CLOSE_API_KEY`, or its
 *    `_FILE`), so that a single organization's setup needs no CREDENTIALS_DIR.
 * The secret is learned by the process's log scrubbers before it is returned.
 */
export function readAccountCredential(source: CredentialSource, account: string, variables: NodeJS.ProcessEnv): AccountCredential {
  const lookedIn: string[] = [];
  const directory = variables.CREDENTIALS_DIR;
  if (directory) {
    const path = join(directory, source.name, account);
    const where = `CREDENTIALS_DIR/${source.name}/${account}`;
    const secret = readCredentialFile(path, where);
    if (secret !== undefined) return learned({ secret, from: where, fromVariable: false });
    lookedIn.push(`${where} (${path})`);
  } else if (account !== DEFAULT_ACCOUNT) {
    lookedIn.push(`CREDENTIALS_DIR/${source.name}/${account} (CREDENTIALS_DIR is not set)`);
  }
  if (account === DEFAULT_ACCOUNT) {
    const secret = variables[source.credential.variable];
    if (secret) return learned({ secret, from: source.credential.variable, fromVariable: true });
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
