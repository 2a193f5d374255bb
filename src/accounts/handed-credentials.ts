import type { Redis } from 'ioredis';
import { CredentialKeyUnknownError, MissingConfigurationError } from '../errors/index.js';
import { escapeGlob, scanKeys } from '../queue/redis-scan.js';
import { readCredentialKeyring, type CredentialKeyring } from './credential-keyring.js';
import { parseSealedCredential } from './sealed-credential.js';

/** How long a credential handed over with nothing holding it yet is kept: time for the export that needs it to start. */
export const UNHELD_CREDENTIAL_TTL_MS = 60 * 60_000;

/**
 * Who needs a handed-over credential: an export until it commits or is cancelled (a failed one may be retried,
 * so it keeps holding), a schedule until it is removed.
 */
export type CredentialHolder = `export:${string}` | `schedule:${string}`;

/** A stored credential as `credentials list` shows it: never the credential, sealed or not. */
export interface HandedCredentialListing {
  source: string;
  account: string;
  /** The CREDENTIALS_KEY entry that sealed it (the key to keep until it is replaced or gone); null when unreadable. */
  keyId: string | null;
  setAt: string | null;
  holders: CredentialHolder[];
  /** How long until an unheld credential expires; null while held. */
  expiresInMs: number | null;
}

/** Stores or replaces the sealed credential; holds it for ARGV[3] when given; keeps it ARGV[4] ms while nothing holds it. */
const PUT = `
redis.call('HSET', KEYS[1], 'sealed', ARGV[1], 'setAt', ARGV[2])
if ARGV[3] ~= '' then redis.call('SADD', KEYS[2], ARGV[3]) end
if redis.call('SCARD', KEYS[2]) > 0 then redis.call('PERSIST', KEYS[1]) else redis.call('PEXPIRE', KEYS[1], ARGV[4]) end
return 1
`;

/** Adds a holder to a stored credential; 0 when there is none (nothing to hold). */
const HOLD = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('PERSIST', KEYS[1])
return 1
`;

/** Removes a holder; the credential goes with the last one. Returns 1 when it was deleted. */
const RELEASE = `
if redis.call('SREM', KEYS[2], ARGV[1]) == 0 then return 0 end
if redis.call('SCARD', KEYS[2]) > 0 then return 0 end
redis.call('DEL', KEYS[1], KEYS[2])
return 1
`;

/**
 * Credentials an application hands over for its accounts (`start --credential-stdin`, `credentials set`, the
 * API's `credential`), kept in Redis only sealed (CREDENTIALS_KEY, src/accounts/credential-keyring.ts) and
 * only while an export or schedule holds them:
 *
 *   <prefix>:credential:<source>:<account>           hash: sealed, setAt (ISO)
 *   <prefix>:credential:<source>:<account>:holders   set of CredentialHolder
 *
 * Replacing a credential keeps its holders, so exports already running take the new one at their next read
 * (a range reads the account's credential when it starts and again on a 401). The keyring is read when a
 * credential is first sealed or opened, so processes that never meet one need no CREDENTIALS_KEY.
 */
export class HandedCredentials {
  private keyring: CredentialKeyring | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly variables: NodeJS.ProcessEnv,
  ) {}

  /** Seals and stores (or replaces) the account's credential, held by `holder` when given. */
  async put(source: string, account: string, secret: string, holder?: CredentialHolder): Promise<void> {
    const sealed = this.keys().seal(secret, { source, account });
    const [key, holders] = this.keyNames(source, account);
    await this.redis.eval(PUT, 2, key, holders, sealed, new Date().toISOString(), holder ?? '', UNHELD_CREDENTIAL_TTL_MS);
  }

  /** The account's handed-over credential, opened; undefined when none is stored. */
  async get(source: string, account: string): Promise<string | undefined> {
    const [key] = this.keyNames(source, account);
    const sealed = await this.redis.hget(key, 'sealed');
    if (sealed === null) return undefined;
    this.keyring ??= readCredentialKeyring(this.variables);
    if (!this.keyring) {
      // A worker started without the key (a rolling deploy): another worker, or this one restarted with it, opens it.
      const reading = parseSealedCredential(sealed);
      throw new CredentialKeyUnknownError('sealed' in reading ? reading.sealed.keyId : '?', [], { source, account });
    }
    return this.keyring.open(sealed, { source, account });
  }

  /** Adds `holder` to the account's stored credential; false when none is stored. */
  async hold(source: string, account: string, holder: CredentialHolder): Promise<boolean> {
    return (await this.redis.eval(HOLD, 2, ...this.keyNames(source, account), holder)) === 1;
  }

  /** `holder` no longer needs the credential; the last holder's release deletes it. True when it was deleted. */
  async release(source: string, account: string, holder: CredentialHolder): Promise<boolean> {
    return (await this.redis.eval(RELEASE, 2, ...this.keyNames(source, account), holder)) === 1;
  }

  /** Deletes the account's credential whoever holds it (`credentials delete`). True when there was one. */
  async delete(source: string, account: string): Promise<boolean> {
    return (await this.redis.del(...this.keyNames(source, account))) > 0;
  }

  /** Who holds the account's credential now (export ids and schedule names, never the credential). */
  async holders(source: string, account: string): Promise<CredentialHolder[]> {
    return ((await this.redis.smembers(this.keyNames(source, account)[1])) as CredentialHolder[]).sort();
  }

  /** Every stored credential: whose it is, the key that sealed it, when it was set and who holds it; never the credential. */
  async list(): Promise<HandedCredentialListing[]> {
    const base = `${this.prefix}:credential:`;
    const keys = (await scanKeys(this.redis, `${escapeGlob(base)}*`)).filter((key) => !key.endsWith(':holders'));
    const listings: HandedCredentialListing[] = [];
    for (const key of keys) {
      // `<source>:<account>`: neither holds a colon.
      const [source = '?', account = '?'] = key.slice(base.length).split(':');
      const [sealed, setAt] = await this.redis.hmget(key, 'sealed', 'setAt');
      if (!sealed) continue;
      const reading = parseSealedCredential(sealed);
      listings.push({
        source,
        account,
        keyId: 'sealed' in reading ? reading.sealed.keyId : null,
        setAt: setAt ?? null,
        holders: await this.holders(source, account),
        expiresInMs: await this.redis.pttl(key).then((ttl) => (ttl >= 0 ? ttl : null)),
      });
    }
    return listings;
  }

  /** Refuses (MissingConfigurationError, exit 2) when this process has no CREDENTIALS_KEY to seal with. */
  checkKeyring(): void {
    this.keys();
  }

  private keyNames(source: string, account: string): [string, string] {
    const key = `${this.prefix}:credential:${source}:${account}`;
    return [key, `${key}:holders`];
  }

  private keys(): CredentialKeyring {
    this.keyring ??= readCredentialKeyring(this.variables);
    if (!this.keyring) {
      throw new MissingConfigurationError(
        'CREDENTIALS_KEY',
        'the key that seals credentials handed over for accounts, the same on every process that starts exports and every worker (docs/accounts.md)',
      );
    }
    return this.keyring;
  }
}
