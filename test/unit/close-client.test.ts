import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SourceRequestError } from '../../src/errors/index.js';
import type { SourceSpec } from '../../src/queue/export-spec.js';
import { budgetForExport } from '../../src/sources/export-budget.js';
import { startCloseSimulator, type CloseSimulator } from '../../simulators/close/index.js';
import { CloseClient } from '../../src/sources/close/close-client.js';
import { isCursorRefusal } from '../../src/sources/close/close-refusals.js';
import { sortByDateCreated, windowQuery } from '../../src/sources/close/close-query.js';
import { DEFAULT_CLOSE_SETTINGS } from '../../src/sources/close/close-source.js';
import { credentialFingerprint } from '../../src/sources/credential-fingerprint.js';
import { dropPrefix, testRedis, uniquePrefix } from '../support/test-redis.js';

const EVERY_CONTACT = windowQuery({ onOrAfter: null, before: null, userQuery: null });

describe('CloseClient', () => {
  let sim: CloseSimulator | undefined;
  let url: string;
  let redis: Redis;
  const prefixes: string[] = [];

  beforeAll(async () => {
    url = (await testRedis()).url;
    redis = new Redis(url);
  });

  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  afterAll(async () => {
    await Promise.all(prefixes.map((prefix) => dropPrefix(url, prefix)));
    redis.disconnect();
  });

  it('sends HTTP Basic with the API key as user name and reads a search page', async () => {
    sim = await startCloseSimulator({ contacts: 30 });
    const client = new CloseClient({ baseUrl: sim.url, apiKey: sim.apiKey });
    const page = await client.search({
      query: EVERY_CONTACT,
      sort: sortByDateCreated(),
      _limit: 10,
      _fields: { contact: ['id', 'date_created'] },
      include_counts: true,
    });
    expect(page.data).toHaveLength(10);
    expect(typeof page.cursor).toBe('string');
    expect(page.count).toEqual({ limited: 30, total: 30 });
  });

  it('a 429 pauses the budget every worker on the key shares, and the requests are sent again', async () => {
    // The server allows 4 requests per 500 ms; the default budget for Close (20/s) believes in more.
    sim = await startCloseSimulator({ contacts: 100, rateLimit: { limit: 4, windowMs: 500 } });
    const prefix = uniquePrefix('close-429');
    prefixes.push(prefix);
    const spec: SourceSpec = {
      kind: 'close',
      baseUrl: sim.url,
      credentialVariable: 'CLOSE_API_KEY',
      credentialFingerprint: credentialFingerprint(sim.apiKey),
      settings: { ...DEFAULT_CLOSE_SETTINGS },
    };
    const workers = [0, 1].map(
      () => new CloseClient({ baseUrl: sim!.url, apiKey: sim!.apiKey, budget: budgetForExport(redis, prefix, { source: spec, rateLimit: null }) }),
    );
    // Another tool spends the current window, so our first requests meet a 429.
    const other = new CloseClient({ baseUrl: sim.url, apiKey: sim.apiKey, maxAttempts: 1 });
    for (let k = 0; k < 4; k++) await other.search({ query: EVERY_CONTACT, _limit: 1 });

    const started = performance.now();
    // The first request meets the 429, waits for `rate_reset` and is sent again.
    expect((await workers[0]!.search({ query: EVERY_CONTACT, _limit: 1 })).data).toHaveLength(1);
    expect(sim.stats.byStatus[429]).toBe(1);
    expect(performance.now() - started).toBeGreaterThan(300);
    // Then both workers at once: the shared bucket follows the server's RateLimit headers and holds them back.
    const pages = await Promise.all(workers.flatMap((client) => Array.from({ length: 5 }, () => client.search({ query: EVERY_CONTACT, _limit: 1 }))));
    const elapsed = performance.now() - started;
    expect(pages.every((page) => page.data.length === 1)).toBe(true);
    expect(sim.stats.byStatus[429] ?? 0).toBeLessThanOrEqual(3);
    // 11 requests at 4 per 500 ms window after a spent one: at least three resets.
    expect(elapsed).toBeGreaterThan(1200);
  });

  it('a refused key says to check CLOSE_API_KEY and never shows the key', async () => {
    sim = await startCloseSimulator({ contacts: 5 });
    const client = new CloseClient({ baseUrl: sim.url, apiKey: 'api_very_secret_key' });
    const error = await client.search({ query: EVERY_CONTACT }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SourceRequestError);
    expect((error as SourceRequestError).status).toBe(401);
    expect((error as Error).message).toMatch(/^Close answered 401 to POST \/data\/search\/: .*The key was refused: check CLOSE_API_KEY/);
    expect((error as Error).message).not.toContain('api_very_secret_key');
  });

  it('a 400 carries the API errors and points at the query language', async () => {
    sim = await startCloseSimulator({ contacts: 5 });
    const client = new CloseClient({ baseUrl: sim.url, apiKey: sim.apiKey });
    const query = windowQuery({
      onOrAfter: null,
      before: null,
      userQuery: {
        type: 'field_condition',
        field: { type: 'regular_field', object_type: 'contact', field_name: 'shoe_size' },
        condition: { type: 'exists' },
      },
    });
    const error = await client.search({ query }).catch((caught: unknown) => caught);
    expect((error as SourceRequestError).status).toBe(400);
    expect((error as Error).message).toMatch(
      /Unknown field "shoe_size" for object type "contact".*check the query against the supported node types \(and, or, /,
    );
    expect(isCursorRefusal(error)).toBe(false);
  });

  it('recognises a refused cursor', async () => {
    sim = await startCloseSimulator({ contacts: 5 });
    const client = new CloseClient({ baseUrl: sim.url, apiKey: sim.apiKey });
    const error = await client.search({ query: EVERY_CONTACT, cursor: 'not-a-cursor' }).catch((caught: unknown) => caught);
    expect(isCursorRefusal(error)).toBe(true);
  });
});
