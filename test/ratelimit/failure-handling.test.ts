import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SourceRequestError, SourceUnavailableError } from '../../src/errors/index.js';
import type { IdRange } from '../../src/planning/export-range.js';
import type { SourceSpec } from '../../src/queue/export-spec.js';
import { budgetForExport } from '../../src/sources/export-budget.js';
import { startVirtuousSimulator, type VirtuousSimulator } from '../../simulators/virtuous/index.js';
import { credentialFingerprint } from '../../src/sources/credential-fingerprint.js';
import { VirtuousClient } from '../../src/sources/virtuous/virtuous-client.js';
import { DEFAULT_VIRTUOUS_SETTINGS, VirtuousSource, type VirtuousSourceSettings } from '../../src/sources/virtuous/virtuous-source.js';
import { CONTACT_ID_KEYSET } from '../support/virtuous-keyset.js';
import { dropPrefix, testRedis, uniquePrefix } from '../support/test-redis.js';
import { startRecordingProxy, type Interception, type RecordingProxy } from './support/recording-proxy.js';

const WHOLE_RANGE: IdRange = { kind: 'id', index: 0, afterId: null, upToId: null, estimatedRows: 0 };
const FAST_BACKOFF = { baseDelayMs: 5, maxDelayMs: 20 };

describe('Virtuous failure handling', () => {
  let url: string;
  let redis: Redis;
  const prefixes: string[] = [];
  let simulator: VirtuousSimulator | undefined;
  let proxy: RecordingProxy | undefined;

  beforeAll(async () => {
    url = (await testRedis()).url;
    redis = new Redis(url);
  });

  afterEach(async () => {
    await proxy?.close();
    await simulator?.close();
    proxy = undefined;
    simulator = undefined;
  });

  afterAll(async () => {
    await Promise.all(prefixes.map((prefix) => dropPrefix(url, prefix)));
    redis.disconnect();
  });

  /** The budget the workers would use (default Virtuous limit), on a fresh prefix. */
  function workerBudget(sim: VirtuousSimulator, baseUrl: string) {
    const prefix = uniquePrefix('failures');
    prefixes.push(prefix);
    const source: SourceSpec = {
      kind: 'virtuous',
      baseUrl,
      credentialVariable: 'VIRTUOUS_API_TOKEN',
      credentialFingerprint: credentialFingerprint(sim.token),
      settings: { ...DEFAULT_VIRTUOUS_SETTINGS },
    };
    return budgetForExport(redis, prefix, { source, rateLimit: null });
  }

  async function readAll(source: VirtuousSource): Promise<number[]> {
    const ids: number[] = [];
    for await (const page of source.pages(WHOLE_RANGE, null)) ids.push(...page.rows.map((row) => row.id as number));
    return ids;
  }

  it('reads every contact exactly once through 10% transient failures and a region where large pages keep failing', async () => {
    simulator = await startVirtuousSimulator({ contacts: 8000, faults: { errorRate: 0.1, seed: 5 } });
    const sim = simulator;
    const poisonUpTo = sim.expectedIds({ includeArchived: true })[1200]!;
    // Pages of more than 250 FullContact records starting below `poisonUpTo` always fail (503).
    const failLargePages = ({ url: requestUrl, body }: { url: URL; body: string }): Interception | undefined => {
      if (!requestUrl.pathname.endsWith('/FullContact') || Number(requestUrl.searchParams.get('take')) <= 250) return undefined;
      const after = (JSON.parse(body) as { groups: { conditions: { operator: string; value: string }[] }[] }).groups[0]?.conditions.find(
        (condition) => condition.operator === 'GreaterThan',
      );
      if (after && Number(after.value) >= poisonUpTo) return undefined;
      return { status: 503, body: '{"error":{"code":"SERVICE_UNAVAILABLE","message":"The service is temporarily unavailable.","details":[]}}' };
    };
    proxy = await startRecordingProxy(sim.url, failLargePages);
    const client = new VirtuousClient({ baseUrl: proxy.url, token: sim.token, budget: workerBudget(sim, proxy.url), backoff: FAST_BACKOFF });
    const settings: VirtuousSourceSettings = { ...DEFAULT_VIRTUOUS_SETTINGS, fullRecords: true, idKeyset: CONTACT_ID_KEYSET };

    const ids = await readAll(new VirtuousSource(client, settings));

    expect(ids).toEqual(sim.expectedIds({ includeArchived: true }));
    const takes = proxy.records
      .filter((record) => record.url.pathname.endsWith('/FullContact'))
      .map((record) => Number(record.url.searchParams.get('take')));
    expect(takes[0]).toBe(1000);
    expect(takes).toContain(500);
    expect(takes).toContain(250);
    // Back to the configured page size once past the failing region.
    expect(takes.lastIndexOf(1000)).toBeGreaterThan(takes.lastIndexOf(250));
    expect((sim.stats.byStatus[500] ?? 0) + (sim.stats.byStatus[503] ?? 0)).toBeGreaterThan(0);
    console.info(`[re-split] take sequence: ${takes.join(' ')}; simulator 5xx: ${(sim.stats.byStatus[500] ?? 0) + (sim.stats.byStatus[503] ?? 0)}`);
  });

  it('fails fast on 401 with the API message and advice naming VIRTUOUS_API_TOKEN', async () => {
    simulator = await startVirtuousSimulator({ contacts: 100 });
    const sim = simulator;
    const client = new VirtuousClient({ baseUrl: sim.url, token: 'not-the-token', budget: workerBudget(sim, sim.url) });
    const source = new VirtuousSource(client, { ...DEFAULT_VIRTUOUS_SETTINGS, idKeyset: CONTACT_ID_KEYSET });
    const failure = await readAll(source).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(SourceRequestError);
    expect((failure as SourceRequestError).status).toBe(401);
    expect((failure as Error).message).toContain('Authorization has been denied for this request.');
    expect((failure as Error).message).toContain('VIRTUOUS_API_TOKEN');
    expect(sim.stats.requests).toBe(1);
    await expect(new VirtuousSource(client, DEFAULT_VIRTUOUS_SETTINGS).validate()).rejects.toThrow(/401.*VIRTUOUS_API_TOKEN/s);
  });

  it('gives up on a request that does not answer within the timeout, and aborts at once when asked', async () => {
    simulator = await startVirtuousSimulator({ contacts: 100, faults: { latencyMs: 5000 } });
    const sim = simulator;
    const client = new VirtuousClient({ baseUrl: sim.url, token: sim.token, timeoutMs: 100, maxAttempts: 2, backoff: FAST_BACKOFF });
    // The answers would come after 5 s: an error, and not an answer, shows the client stopped waiting first.
    const timedOut = await client.queryOptions().catch((error: unknown) => error);
    expect(timedOut).toBeInstanceOf(SourceUnavailableError);
    expect((timedOut as Error).message).toContain('after 2 attempts (last: no answer within 100 ms)');

    const patient = new VirtuousClient({ baseUrl: sim.url, token: sim.token });
    await expect(patient.queryOptions(AbortSignal.timeout(150))).rejects.toMatchObject({ name: 'TimeoutError' });
  });

  it('waits a fractional Retry-After, whatever a body says, without counting the 429 as a failure', async () => {
    simulator = await startVirtuousSimulator({ contacts: 100 });
    const sim = simulator;
    let refusals = 0;
    proxy = await startRecordingProxy(sim.url, (): Interception | undefined => {
      refusals++;
      if (refusals === 1) {
        return {
          status: 429,
          headers: { 'Retry-After': '0.4' },
          body: '{"error":{"code":"RATE_LIMITED","message":"API rate limit exceeded.","details":[]}}',
        };
      }
      if (refusals === 2) {
        // A body in another API's dialect (a fractional rate_reset) is not this API's: its Retry-After decides.
        return {
          status: 429,
          headers: { 'Retry-After': '0.6', RateLimit: 'limit=40, remaining=0, reset=0.35' },
          body: '{"error":{"message":"API call count exceeded for this period","rate_reset":0.35,"rate_limit":40,"rate_window":1,"rate_limit_type":"key"}}',
        };
      }
      return undefined;
    });
    // maxAttempts 1: a 429 counted as a failed attempt would end the request at once.
    const client = new VirtuousClient({ baseUrl: proxy.url, token: sim.token, budget: workerBudget(sim, proxy.url), maxAttempts: 1 });
    const options = await client.queryOptions();
    expect(options.options.length).toBeGreaterThan(0);
    const [first, second, third] = proxy.records;
    expect(second!.arrivedAt - first!.answeredAt!).toBeGreaterThanOrEqual(400);
    expect(third!.arrivedAt - second!.answeredAt!).toBeGreaterThanOrEqual(600);
    expect(proxy.records).toHaveLength(3);
  });
});
