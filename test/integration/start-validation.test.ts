import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { ExportFixture } from '../support/export-fixture.js';

describe('start refuses bad input before anything is enqueued', () => {
  let fixture: ExportFixture;
  const good = ['start', '--source', 'virtuous', '--dest', 's3://exports/crm', '--format', 'parquet'];

  beforeAll(async () => {
    fixture = await ExportFixture.create('validation', { contacts: 100 });
  });

  afterAll(() => fixture?.close());

  /** Keys of queues, exports and checkpoints; the credential's shared request budget may exist, since validation spends requests. */
  async function exportKeysUnderPrefix(): Promise<string[]> {
    const redis = new Redis(fixture.redisUrl);
    try {
      return (await redis.keys(`${fixture.prefix}:*`)).filter((key) => !key.startsWith(`${fixture.prefix}:budget:`));
    } finally {
      redis.disconnect();
    }
  }

  it.each([
    [
      'an unknown source',
      ['start', '--source', 'salesforce', '--dest', 's3://exports/crm'],
      {},
      /Unknown --source "salesforce": use one of virtuous/,
    ],
    ['an unknown format', [...good, '--format', 'csv'], {}, /Unknown --format "csv": use one of parquet, ndjson/],
    ['a malformed destination', ['start', '--source', 'virtuous', '--dest', '/tmp/out'], {}, /--dest must look like s3:\/\/BUCKET\/PREFIX/],
    ['a missing token', good, { VIRTUOUS_API_TOKEN: '' }, /VIRTUOUS_API_TOKEN is not set/],
    ['a refused token', good, { VIRTUOUS_API_TOKEN: 'wrong-token' }, /Virtuous answered 401 .*refresh the credential in VIRTUOUS_API_TOKEN/],
    ['a missing bucket', ['start', '--source', 'virtuous', '--dest', 's3://no-such-bucket/crm'], {}, /bucket "no-such-bucket".*Create the bucket/],
    ['an unreachable Redis', good, { REDIS_URL: 'redis://127.0.0.1:1' }, /Redis at redis:\/\/127\.0\.0\.1:1.*did not answer/],
    ['an unreachable API', good, { VIRTUOUS_BASE_URL: 'http://127.0.0.1:1', SOURCE_REQUEST_ATTEMPTS: '2' }, /Virtuous did not answer/],
  ])('%s', async (_label, args, overrides, message) => {
    const result = await fixture.cli(args, overrides);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
    expect(await exportKeysUnderPrefix()).toEqual([]);
  });

  it('never prints the token, even when the API refuses it', async () => {
    const result = await fixture.cli(good, { VIRTUOUS_API_TOKEN: 'sk-very-secret-value' });
    expect(result.code).not.toBe(0);
    expect(result.stderr + result.stdout).not.toContain('sk-very-secret-value');
  });
});

describe("start and schedule refuse an export the organization's QueryOptions cannot serve", () => {
  let fixture: ExportFixture | undefined;
  afterEach(() => fixture?.close());

  async function exportKeys(f: ExportFixture): Promise<string[]> {
    const redis = new Redis(f.redisUrl);
    try {
      return (await redis.keys(`${f.prefix}:*`)).filter((key) => !key.startsWith(`${f.prefix}:budget:`));
    } finally {
      redis.disconnect();
    }
  }

  it('names the date parameter, the operators missing and those offered; a full export still starts', async () => {
    fixture = await ExportFixture.create('catalogue-date', { contacts: 100, withheldOperators: { 'Last Modified Date': ['OnOrAfter', 'After'] } });
    const args = ['--source', 'virtuous', '--dest', 's3://exports/crm'];
    for (const command of [
      ['start', ...args, '--incremental'],
      ['start', ...args, '--since', '2026-01-01'],
      ['schedule', '--every', '1h', ...args],
    ]) {
      const refused = await fixture.cli(command);
      expect(refused.code, refused.stderr).toBe(2);
      expect(refused.stderr).toMatch(/need a modification-date parameter with a lower bound \(OnOrAfter, GreaterThanOrEqual, After, GreaterThan\)/);
      expect(refused.stderr).toContain('offers "Last Modified Date" with Before, OnOrBefore, Between, IsKnown, IsNotKnown');
      expect(refused.stdout).toBe('');
      expect(await exportKeys(fixture)).toEqual([]);
    }
    const full = await fixture.cli(['start', ...args]);
    expect(full.code, full.stderr).toBe(0);
    expect(full.stdout.trim()).toMatch(/exp-\d{8}t\d{6}-[0-9a-f]{6}$/);
  });

  it('names the id parameter when it offers no keyset bound', async () => {
    fixture = await ExportFixture.create('catalogue-id', {
      contacts: 100,
      withheldOperators: { 'Contact Id': ['GreaterThan', 'GreaterThanOrEqual'] },
    });
    const refused = await fixture.cli(['start', '--source', 'virtuous', '--dest', 's3://exports/crm']);
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toMatch(
      /needs a contact-id parameter with a lower bound \(GreaterThan or GreaterThanOrEqual\).*offers "Contact Id" with Is, LessThan, LessThanOrEqual, Between/,
    );
    expect(await exportKeys(fixture)).toEqual([]);
  });
});
