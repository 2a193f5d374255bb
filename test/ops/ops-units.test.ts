import { describe, expect, it } from 'vitest';
import { constantTimeEquals, parseBasicAuthorization } from '../../src/access/basic-auth.js';
import { isLoopbackAddress, isLoopbackHost } from '../../src/access/bind-policy.js';
import { duration, formatWatchLine } from '../../src/cli/commands/watch-command.js';
import { etaSeconds, measuredRate } from '../../src/queue/export-rate.js';
import { budgetStateOf } from '../../src/metrics/budget-state.js';
import { escapeGlob } from '../../src/queue/redis-scan.js';
import { partFormatOf } from '../../src/metrics/export-metrics.js';
import { secretScrubber } from '../../src/logging/secret-scrubber.js';

describe('operations helpers', () => {
  it('tells loopback addresses and hosts from the rest', async () => {
    for (const address of ['127.0.0.1', '127.8.9.10', '::1', '[::1]', '::ffff:127.0.0.1']) expect(isLoopbackAddress(address), address).toBe(true);
    for (const address of ['0.0.0.0', '::', '10.0.0.5', '192.168.1.2', '::ffff:10.0.0.1', 'fe80::1', 'localhost'])
      expect(isLoopbackAddress(address), address).toBe(false);
    expect(await isLoopbackHost('localhost')).toBe(true);
    expect(await isLoopbackHost('0.0.0.0')).toBe(false);
    expect(await isLoopbackHost('no-such-host.invalid')).toBe(false);
  });

  it('parses basic auth and compares in constant time', () => {
    expect(parseBasicAuthorization(`Basic ${Buffer.from('ops:a:b c').toString('base64')}`)).toEqual(['ops', 'a:b c']);
    expect(parseBasicAuthorization('Bearer xyz')).toBeUndefined();
    expect(parseBasicAuthorization(undefined)).toBeUndefined();
    expect(constantTimeEquals('secret', 'secret')).toBe(true);
    expect(constantTimeEquals('secret', 'secret-but-longer')).toBe(false);
    expect(constantTimeEquals('', 'x')).toBe(false);
  });

  it('reads a token bucket hash like the acquire script would, without changing it', () => {
    const limit = { requests: 100, windowMs: 10_000 }; // 0.01 tokens/ms, burst 100
    const now = 1_000_000;
    expect(budgetStateOf('k', 'virtuous', 'fp', limit, {}, now)).toMatchObject({ tokens: 100, waitMs: 0, paused: false });
    // 2.5 tokens at ts, 100 ms later +1 token.
    expect(budgetStateOf('k', 'virtuous', 'fp', limit, { t: '2.5', ts: String(now - 100) }, now).tokens).toBeCloseTo(3.5);
    // Empty bucket: wait for the refill of one token.
    expect(budgetStateOf('k', 'virtuous', 'fp', limit, { t: '0.5', ts: String(now) }, now)).toMatchObject({ waitMs: 50 });
    // A 429 pause running: nothing to take, wait for its end.
    expect(budgetStateOf('k', 'virtuous', 'fp', limit, { t: '1', ts: String(now + 3000), pause: String(now + 3000), probe: '1' }, now)).toMatchObject(
      { tokens: 0, waitMs: 3000, paused: true },
    );
    // The server's window is spent: wait for its reset even with tokens in the bucket.
    expect(
      budgetStateOf('k', 'virtuous', 'fp', limit, { t: '50', ts: String(now), seq: '10', sr: '2', srs: '8', sre: String(now + 4000) }, now),
    ).toMatchObject({ tokens: 0, waitMs: 4000, serverRemaining: 0 });
    // While probing after a pause, at most one token.
    expect(budgetStateOf('k', 'virtuous', 'fp', limit, { t: '0', ts: String(now - 10_000), probe: '1' }, now).tokens).toBe(1);
  });

  it('measures rate and ETA, and formats the watch line', () => {
    const createdAt = new Date(0).toISOString();
    expect(measuredRate([], { rows: 0, createdAt }, 10_000)).toBeNull();
    expect(measuredRate([{ at: 10_000, rows: 1000 }], { rows: 1000, createdAt }, 10_000)).toBe(100);
    expect(
      measuredRate(
        [
          { at: 10_000, rows: 1000 },
          { at: 14_000, rows: 9000 },
        ],
        { rows: 9000, createdAt },
        14_000,
      ),
    ).toBe(2000);
    expect(etaSeconds({ rows: 9000, plannedRows: 10_000, state: 'running' }, 2000)).toBe(1);
    expect(etaSeconds({ rows: 12_000, plannedRows: 10_000, state: 'running' }, 2000)).toBe(0);
    expect(etaSeconds({ rows: 0, plannedRows: 10_000, state: 'running' }, null)).toBeNull();
    expect([duration(45), duration(185), duration(7620)]).toEqual(['45s', '3m05s', '2h07m']);
    const line = formatWatchLine({
      exportId: 'exp-1',
      state: 'running',
      source: 'virtuous',
      records: 'contacts',
      account: 'default',
      format: 'parquet',
      destination: 's3://b/p/exp-1',
      ranges: { done: 3, total: 8, failed: [] },
      retrying: [],
      rows: 12_000,
      plannedRows: 25_000,
      parts: 12,
      createdAt,
      at: createdAt,
      rowsPerSecond: 1850.4,
      etaSeconds: 7,
      budgetEtaSeconds: 130,
    });
    expect(line).toBe('exp-1 running  12,000/25,000 rows (48%)  parts 12  ranges 3/8  1,850 rows/s  ETA 7s  budget ETA 2m10s');
  });

  it('names part formats, escapes globs and scrubs secrets', () => {
    expect(partFormatOf('crm/exp-1/part-r00001-s000002-a0f9e8d7c.parquet')).toBe('parquet');
    expect(partFormatOf('crm/exp-1/part-r00001-s000002-a0f9e8d7c.ndjson.gz')).toBe('ndjson.gz');
    expect(partFormatOf('crm/exp-1/_manifest.json')).toBe('unknown');
    expect(escapeGlob('{bulk-export}')).toBe('{bulk-export}');
    expect(escapeGlob('a*b?[c]')).toBe('a\\*b\\?\\[c\\]');
    const scrub = secretScrubber({ VIRTUOUS_API_TOKEN: 'to"ken-123456', HOME: '/root-directory', ID: 'short' });
    expect(scrub('{"x":"to\\"ken-123456 /root-directory"}')).toBe('{"x":"[redacted] /root-directory"}');
  });
});
