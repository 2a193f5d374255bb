import { describe, expect, it } from 'vitest';
import { credentialWatermarkName, filterHash, isBehind, watermarkKey, watermarkName } from '../../src/queue/watermark.js';
import { IncrementalGuard, IncrementalRunningError } from '../../src/queue/incremental-guard.js';
import { defaultScheduleName, parseEvery } from '../../src/queue/schedules.js';
import { Redis } from 'ioredis';
import { dropPrefix, testRedis, uniquePrefix } from '../support/test-redis.js';

describe('watermark naming and ordering', () => {
  it('names one watermark per source account and filter, under the destination prefix', () => {
    expect(watermarkName('virtuous/contacts', 'acme', null)).toBe('virtuous/contacts/acme/unfiltered');
    const groups = [{ conditions: [{ parameter: 'Tag', operator: 'IsAnyOf', values: ['Major Donor'] }] }];
    const reordered = [{ conditions: [{ values: ['Major Donor'], operator: 'IsAnyOf', parameter: 'Tag' }] }];
    expect(filterHash(groups)).toBe(filterHash(reordered));
    expect(filterHash(groups)).not.toBe(filterHash([{ conditions: [{ parameter: 'Tag', operator: 'IsAnyOf', values: ['Board Member'] }] }]));
    expect(filterHash([])).toBeNull();
    expect(filterHash(null)).toBeNull();
    expect(watermarkName('close/contacts', 'default', filterHash(groups))).toMatch(/^close\/contacts\/default\/f[0-9a-f]{10}$/);
    expect(credentialWatermarkName('close', 'abc', filterHash(groups))).toMatch(/^close-abc-f[0-9a-f]{10}$/);
    expect(watermarkKey({ bucket: 'b', prefix: 'crm/v' }, 'virtuous-x')).toBe('crm/v/_bulk_export/watermarks/virtuous-x.json');
    expect(watermarkKey({ bucket: 'b', prefix: '' }, 'virtuous-x')).toBe('_bulk_export/watermarks/virtuous-x.json');
  });

  it('never moves backwards: an earlier instant, or the same instant with fewer of its ids, is behind', () => {
    const at = (iso: string, ids: string[] = []) => ({ at: iso, idsAtLast: ids });
    expect(isBehind(at('2024-01-01T00:00:00Z'), at('2024-01-02T00:00:00Z'))).toBe(true);
    expect(isBehind(at('2024-01-02T00:00:00Z'), at('2024-01-01T00:00:00Z'))).toBe(false);
    expect(isBehind(at('2024-01-01T02:00:00+02:00', ['1']), at('2024-01-01T00:00:00Z', ['1', '2']))).toBe(true);
    expect(isBehind(at('2024-01-01T00:00:00Z', ['1', '2']), at('2024-01-01T00:00:00Z', ['1']))).toBe(false);
    expect(isBehind(at('2024-01-01T00:00:00Z'), undefined)).toBe(false);
  });
});

describe('IncrementalGuard', () => {
  it('lets one incremental export of a watermark plan at a time, and frees the slot when planning fails', async () => {
    const { url } = await testRedis();
    const prefix = uniquePrefix('guard');
    const redis = new Redis(url);
    try {
      const first = await IncrementalGuard.acquire(redis, prefix, 's3://b/_watermarks/w.json', 'exp-a');
      await expect(IncrementalGuard.acquire(redis, prefix, 's3://b/_watermarks/w.json', 'exp-b')).rejects.toBeInstanceOf(IncrementalRunningError);
      // Another watermark is independent.
      const other = await IncrementalGuard.acquire(redis, prefix, 's3://b/_watermarks/other.json', 'exp-c');
      await other.release();
      await first.release();
      const again = await IncrementalGuard.acquire(redis, prefix, 's3://b/_watermarks/w.json', 'exp-d');
      // Enqueued: the slot names the export; an export unknown to the registry does not block.
      await again.enqueued();
      expect(await redis.get(`${prefix}:incremental:s3://b/_watermarks/w.json`)).toBe('exp-d');
      const next = await IncrementalGuard.acquire(redis, prefix, 's3://b/_watermarks/w.json', 'exp-e');
      await next.release();
    } finally {
      redis.disconnect();
      await dropPrefix(url, prefix);
    }
  });
});

describe('schedule options', () => {
  it('reads --every durations of at least a second, and names a schedule after its source and destination', () => {
    expect(parseEvery('2s')).toBe(2000);
    expect(parseEvery('15m')).toBe(900_000);
    expect(parseEvery('1h30m')).toBe(5_400_000);
    expect(parseEvery('1d')).toBe(86_400_000);
    expect(parseEvery('1500ms')).toBe(1500);
    for (const bad of ['500ms', 'hourly', '1x', '', '2s and more'])
      expect(() => parseEvery(bad)).toThrow(/--every must be a duration of at least 1s/);
    expect(defaultScheduleName('virtuous', 's3://exports/crm/daily')).toBe('virtuous-exports-crm-daily');
    // The source's first record type keeps the name schedules had before record types; another names itself.
    expect(defaultScheduleName('virtuous', 's3://exports/crm/daily', 'default', 'contacts')).toBe('virtuous-exports-crm-daily');
    expect(defaultScheduleName('virtuous', 's3://exports/crm/daily', 'acme', 'contacts')).toBe('virtuous-acme-exports-crm-daily');
    expect(defaultScheduleName('virtuous', 's3://exports/crm/daily', 'acme', 'gifts')).toBe('virtuous-gifts-acme-exports-crm-daily');
  });
});
