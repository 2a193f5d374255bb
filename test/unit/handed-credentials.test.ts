import { describe, expect, it } from 'vitest';
import { generateCredentialKey } from '../../src/accounts/credential-keyring.js';
import { HandedCredentials, UNHELD_CREDENTIAL_TTL_MS } from '../../src/accounts/handed-credentials.js';
import { CredentialKeyUnknownError, MissingConfigurationError } from '../../src/errors/index.js';
import { removeSchedule, upsertSchedule } from '../../src/queue/schedules.js';
import { redisForTests } from '../support/redis-for-tests.js';
import { redisContents } from '../support/redis-contents.js';
import { testRedis } from '../support/test-redis.js';

const OLD_KEY = generateCredentialKey('old');
const NEW_KEY = generateCredentialKey('new');

describe('credentials handed over for accounts', () => {
  const shared = redisForTests('handed');

  it('keeps a credential sealed, held by exports and schedules, and deletes it with its last holder', async () => {
    const handed = new HandedCredentials(shared.redis, shared.prefix, { CREDENTIALS_KEY: OLD_KEY });
    await handed.put('virtuous', 'acme', 'acme-secret-0001', 'export:exp-1');
    expect(await handed.get('virtuous', 'acme')).toBe('acme-secret-0001');
    expect(await redisContents((await testRedis()).url, shared.prefix)).not.toContain('acme-secret-0001');
    expect(await shared.redis.pttl(`${shared.prefix}:credential:virtuous:acme`)).toBe(-1);

    expect(await handed.hold('virtuous', 'acme', 'schedule:nightly')).toBe(true);
    expect(await handed.hold('virtuous', 'globex', 'export:exp-2')).toBe(false);
    // Replacing keeps the holders: running exports take the new credential at their next read.
    await handed.put('virtuous', 'acme', 'acme-secret-0002');
    expect(await handed.get('virtuous', 'acme')).toBe('acme-secret-0002');
    expect(await handed.holders('virtuous', 'acme')).toEqual(['export:exp-1', 'schedule:nightly']);

    expect(await handed.release('virtuous', 'acme', 'export:exp-1')).toBe(false);
    expect(await handed.release('virtuous', 'acme', 'export:exp-1')).toBe(false);
    expect(await handed.get('virtuous', 'acme')).toBe('acme-secret-0002');
    expect(await handed.release('virtuous', 'acme', 'schedule:nightly')).toBe(true);
    expect(await handed.get('virtuous', 'acme')).toBeUndefined();
    expect(await shared.redis.exists(`${shared.prefix}:credential:virtuous:acme:holders`)).toBe(0);
  });

  it('keeps a credential nothing holds for an hour, for the export that is to take it', async () => {
    const handed = new HandedCredentials(shared.redis, shared.prefix, { CREDENTIALS_KEY: OLD_KEY });
    await handed.put('close', 'initech', 'initech-key-0001');
    const ttl = await shared.redis.pttl(`${shared.prefix}:credential:close:initech`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(UNHELD_CREDENTIAL_TTL_MS);
    expect(await handed.list()).toEqual([
      expect.objectContaining({ source: 'close', account: 'initech', keyId: 'old', holders: [], expiresInMs: expect.any(Number) }),
    ]);
    expect(await handed.hold('close', 'initech', 'export:exp-3')).toBe(true);
    expect(await shared.redis.pttl(`${shared.prefix}:credential:close:initech`)).toBe(-1);
    expect(await handed.delete('close', 'initech')).toBe(true);
    expect(await handed.list()).toEqual([]);
  });

  it('opens what an old key sealed while a new key seals; a worker without the key says which one to add', async () => {
    const before = new HandedCredentials(shared.redis, shared.prefix, { CREDENTIALS_KEY: OLD_KEY });
    await before.put('virtuous', 'rotating', 'rotating-secret-0001', 'export:exp-4');
    const rotated = new HandedCredentials(shared.redis, shared.prefix, { CREDENTIALS_KEY: `${NEW_KEY},${OLD_KEY}` });
    expect(await rotated.get('virtuous', 'rotating')).toBe('rotating-secret-0001');
    await rotated.put('virtuous', 'rotating', 'rotating-secret-0002');
    expect((await rotated.list()).find((listing) => listing.account === 'rotating')?.keyId).toBe('new');
    await expect(before.get('virtuous', 'rotating')).rejects.toBeInstanceOf(CredentialKeyUnknownError);
    // A worker without CREDENTIALS_KEY at all: the same retryable refusal, saying to give it the key.
    await expect(new HandedCredentials(shared.redis, shared.prefix, {}).get('virtuous', 'rotating')).rejects.toThrow(
      /sealed with key new, and this process has no CREDENTIALS_KEY/,
    );
    await expect(new HandedCredentials(shared.redis, shared.prefix, {}).put('virtuous', 'x', 'secret-0001')).rejects.toBeInstanceOf(
      MissingConfigurationError,
    );
    await rotated.delete('virtuous', 'rotating');
  });

  it('lets a removed schedule release the credential it held', async () => {
    const handed = new HandedCredentials(shared.redis, shared.prefix, { CREDENTIALS_KEY: OLD_KEY });
    const request = { source: 'virtuous', dest: 's3://exports/x', format: 'parquet', account: 'hooli' };
    await upsertSchedule(shared.redis, shared.prefix, 'hooli-hourly', { every: 3_600_000 }, request);
    await handed.put('virtuous', 'hooli', 'hooli-secret-0001', 'schedule:hooli-hourly');
    expect(await removeSchedule(shared.redis, shared.prefix, 'hooli-hourly')).toBe(true);
    expect(await handed.get('virtuous', 'hooli')).toBeUndefined();
  });
});
