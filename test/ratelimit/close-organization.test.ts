import { EventEmitter, once } from 'node:events';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RATE_WINDOW_ALIGNMENTS, type RateWindowAlignment } from '../../simulators/virtuous/rate-window.js';
import { startCloseSimulator, type CloseSimulator, type RateLimitHeaderScope } from '../../simulators/close/index.js';
import type { SourceSpec } from '../../src/queue/export-spec.js';
import { budgetKey, keyBudgetKey } from '../../src/ratelimit/redis-token-bucket.js';
import type { BudgetRefusal, RequestBudget } from '../../src/ratelimit/request-budget.js';
import { CloseClient } from '../../src/sources/close/close-client.js';
import { windowQuery } from '../../src/sources/close/close-query.js';
import { DEFAULT_CLOSE_SETTINGS } from '../../src/sources/close/close-source.js';
import { credentialFingerprint } from '../../src/sources/credential-fingerprint.js';
import { budgetForExport } from '../../src/sources/export-budget.js';
import { dropPrefix, testRedis, uniquePrefix } from '../support/test-redis.js';
import { AcquireReplies, recordingAcquires } from './support/acquire-replies.js';

const EVERY_CONTACT = windowQuery({ onOrAfter: null, before: null, userQuery: null });
/** The access token that replaced the API key, as an OAuth refresh or a rotation hands over a new credential. */
const ROTATED = 'Bearer rotated-access-token';

/**
 * Two credentials of one Close organization in use at once, through the exporter's clients and budgets,
 * against the simulator (its API key and its access tokens are keys of one organization, each with a
 * key's limit, all together with three times that) and real Redis.
 */
describe('Close: keys of one organization', () => {
  let url: string;
  const connections: Redis[] = [];
  const prefixes: string[] = [];
  let sim: CloseSimulator | undefined;

  beforeAll(async () => {
    url = (await testRedis()).url;
    connections.push(new Redis(url), new Redis(url));
  });

  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  afterAll(async () => {
    await Promise.all(prefixes.map((prefix) => dropPrefix(url, prefix)));
    for (const connection of connections) connection.disconnect();
  });

  function sourceOf(simulator: CloseSimulator): SourceSpec {
    return {
      kind: 'close',
      baseUrl: simulator.url,
      credentialVariable: 'CLOSE_API_KEY',
      credentialFingerprint: credentialFingerprint(simulator.apiKey),
      account: 'acme',
      settings: { ...DEFAULT_CLOSE_SETTINGS },
    };
  }

  /** Runs `workers` clients per credential, each sending `each` searches one after the other. */
  async function readWithBoth(simulator: CloseSimulator, prefix: string, limit: number, options: { workers: number; each: number }): Promise<number> {
    const source = sourceOf(simulator);
    const credentials = [simulator.apiKey, ROTATED];
    let rows = 0;
    await Promise.all(
      credentials.flatMap((apiKey, credentialIndex) =>
        Array.from({ length: options.workers }, async (_, index) => {
          const connection = connections[(credentialIndex + index) % connections.length]!;
          const budget = budgetForExport(connection, prefix, { source, rateLimit: { requests: limit, windowMs: 1000 } });
          const client = new CloseClient({ baseUrl: simulator.url, apiKey, budget });
          for (let k = 0; k < options.each; k++) {
            const page = await client.search({ query: EVERY_CONTACT, _limit: 1 });
            rows += page.data.length;
          }
        }),
      ),
    );
    return rows;
  }

  const MODES: [RateLimitHeaderScope, RateWindowAlignment][] = [
    ...RATE_WINDOW_ALIGNMENTS.map((alignment) => ['key', alignment] as [RateLimitHeaderScope, RateWindowAlignment]),
    ['tighter', 'first-request'],
    ['organization', 'first-request'],
  ];
  for (const [header, alignment] of MODES) {
    it(`the API key and an access token at once (a rotation): each at a key's limit, together within the organization's (${header} in RateLimit, ${alignment} windows)`, async () => {
      const LIMIT = 6;
      const WORKERS = 3;
      const EACH = 6;
      sim = await startCloseSimulator({
        contacts: 20,
        rateLimit: { limit: LIMIT, windowMs: 1000, alignment, header },
        accessTokens: [ROTATED.slice('Bearer '.length)],
        faults: { latencyMs: 40 },
      });
      const prefix = uniquePrefix('close-org');
      prefixes.push(prefix);
      const rows = await readWithBoth(sim, prefix, LIMIT, { workers: WORKERS, each: EACH });
      const { byStatus, rateLimited, requests } = sim.stats;
      const organization = await connections[0]!.hgetall(budgetKey(prefix, 'close', 'acme'));
      const keys = await Promise.all(
        [sim.apiKey, ROTATED].map((credential) => connections[0]!.hgetall(keyBudgetKey(prefix, 'close', 'acme', credentialFingerprint(credential)))),
      );
      console.info(
        `[close keys, ${header} header, ${alignment}] ${requests} requests for ${2 * WORKERS * EACH} pages; 200: ${byStatus[200]}; ` +
          `429 by type: key ${rateLimited.key}, organization ${rateLimited.organization}; grants: organization ${organization.seq}, keys ${keys.map((key) => key.seq).join(' + ')}`,
      );
      expect(rows).toBe(2 * WORKERS * EACH);
      // Every try took a token of the organization's bucket and of its own key's.
      expect(Number(organization.seq)).toBe(requests);
      expect(Number(keys[0]!.seq) + Number(keys[1]!.seq)).toBe(requests);
      expect(Number(keys[0]!.seq)).toBeGreaterThanOrEqual(WORKERS * EACH);
      expect(Number(keys[1]!.seq)).toBeGreaterThanOrEqual(WORKERS * EACH);
      // The organization's limit was never met.
      expect(rateLimited.organization).toBe(0);
      // Headers that tell a key's allowance keep each key within it; headers that tell only the organization's
      // leave a key's window to be found by its 429, which pauses that key alone.
      if (header !== 'organization') expect(byStatus[429] ?? 0).toBe(0);
    });
  }

  it("a key's 429 pauses that key alone, the organization's every key of the account, each until the reset its body gave", async () => {
    let simNow = 1_750_000_000_000;
    // The simulator's clock stands still until the test moves it: its windows end only then.
    sim = await startCloseSimulator({
      contacts: 20,
      rateLimit: { limit: 2, windowMs: 1000, header: 'key' },
      accessTokens: ['ours', 'theirs-1', 'theirs-2', 'theirs-3'],
      now: () => simNow,
    });
    const simulator = sim;
    const prefix = uniquePrefix('close-org-429');
    prefixes.push(prefix);
    const source = sourceOf(simulator);
    const rateLimit = { requests: 2, windowMs: 1000 };
    const pauses = new EventEmitter();
    const announcing = (budget: RequestBudget): RequestBudget => ({
      acquire: (signal, fingerprint) => budget.acquire(signal, fingerprint),
      observe: (response, grant) => budget.observe(response, grant),
      async pauseUntil(untilMs: number, refusal?: BudgetRefusal) {
        await budget.pauseUntil(untilMs, refusal);
        pauses.emit('pause', refusal?.scope);
      },
    });
    const replies = new AcquireReplies();
    const ours = (apiKey: string) =>
      new CloseClient({
        baseUrl: simulator.url,
        apiKey,
        budget: announcing(budgetForExport(recordingAcquires(connections[0]!, replies), prefix, { source, rateLimit })),
      });
    // Another tool, on no budget of ours.
    const theirs = (apiKey: string) => new CloseClient({ baseUrl: simulator.url, apiKey, maxAttempts: 1 });
    const search = (client: CloseClient) => client.search({ query: EVERY_CONTACT, _limit: 1 });
    const redisNow = async () => {
      const [seconds, micros] = await connections[0]!.time();
      return Number(seconds) * 1000 + Number(micros) / 1000;
    };
    const pausedUntil = async (key: string) => Number((await connections[0]!.hgetall(key)).pause ?? 0);
    const organizationKey = budgetKey(prefix, 'close', 'acme');
    const keyOf = (credential: string) => keyBudgetKey(prefix, 'close', 'acme', credentialFingerprint(credential));

    // The other tool spends the key `ours` in this window; our request with it meets a 429 naming the key.
    for (let k = 0; k < 2; k++) await search(theirs('Bearer ours'));
    let paused = once(pauses, 'pause');
    const oursRead = search(ours('Bearer ours'));
    expect((await paused)[0]).toBe('key');
    expect(await pausedUntil(keyOf('Bearer ours'))).toBeGreaterThan(await redisNow());
    expect(await pausedUntil(organizationKey)).toBeLessThanOrEqual(await redisNow());
    // The API key, another key of the organization, is not held back.
    const from = replies.replies.length;
    await search(ours(simulator.apiKey));
    expect(replies.since(from)[0]).toEqual({ granted: true, waitMs: 0 });
    // The next window; `ours` is sent again once its pause (the body's rate_reset) has passed.
    simNow += 1000;
    expect((await oursRead).data).toHaveLength(1);

    // The other tool spends the rest of the organization's window (three times a key's, 6): our API key, whose
    // own window has room, meets a 429 naming the organization.
    for (const token of ['theirs-1', 'theirs-1', 'theirs-2', 'theirs-2', 'theirs-3']) await search(theirs(`Bearer ${token}`));
    paused = once(pauses, 'pause');
    const keyRead = search(ours(simulator.apiKey));
    expect((await paused)[0]).toBe('organization');
    expect(await pausedUntil(organizationKey)).toBeGreaterThan(await redisNow());
    // Every key of the account waits: `ours` too, though its own window has room.
    const told = replies.nextWait();
    const held = search(
      new CloseClient({
        baseUrl: simulator.url,
        apiKey: 'Bearer ours',
        budget: budgetForExport(recordingAcquires(connections[0]!, replies), prefix, { source, rateLimit }),
      }),
    );
    const heldOutcome = held.then(
      () => 'granted',
      () => 'given up',
    );
    expect(await Promise.race([told.then(() => 'told to wait'), heldOutcome])).toBe('told to wait');
    simNow += 1000;
    expect((await keyRead).data).toHaveLength(1);
    expect((await held).data).toHaveLength(1);
    expect(simulator.stats.rateLimited.organization).toBeGreaterThanOrEqual(1);
    expect(simulator.stats.rateLimited.key).toBeGreaterThanOrEqual(1);
  });
});
