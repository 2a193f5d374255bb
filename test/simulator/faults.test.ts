import { afterEach, describe, expect, it } from 'vitest';
import { startVirtuousSimulator, type VirtuousSimulator } from '../../simulators/index.js';
import { FaultInjector } from '../../simulators/virtuous/fault-injector.js';
import { queryContacts, request } from './simulator-client.js';

describe('Virtuous simulator faults (HTTP)', () => {
  let sim: VirtuousSimulator;
  afterEach(async () => {
    await sim.close();
  });

  it('answers 500 or 503 with a JSON error and rate headers when errorRate is 1, on every route', async () => {
    sim = await startVirtuousSimulator({ contacts: 10, faults: { errorRate: 1 } });
    const responses = [
      await queryContacts(sim, {}),
      await queryContacts(sim, {}, { full: true }),
      await request(sim, 'GET', '/api/Contact/QueryOptions'),
      await request(sim, 'GET', '/api/Contact/1000'),
    ];
    for (const response of responses) {
      expect([500, 503]).toContain(response.status);
      expect(response.json.error.code).toMatch(/INTERNAL_ERROR|SERVICE_UNAVAILABLE/);
      expect(response.headers.get('x-ratelimit-remaining')).not.toBeNull();
    }
  });

  it('destroys the socket without a response when dropRate is 1, so fetch rejects', async () => {
    sim = await startVirtuousSimulator({ contacts: 10, faults: { dropRate: 1 } });
    await expect(queryContacts(sim, {})).rejects.toThrow();
    expect(sim.stats.byStatus[0]).toBe(1);
    expect(sim.stats.requests).toBe(1);

    sim.setFaults(undefined);
    expect((await queryContacts(sim, {})).status).toBe(200);
  });

  it('adds latency before answering', async () => {
    sim = await startVirtuousSimulator({ contacts: 10, faults: { latencyMs: [60, 80] } });
    const started = performance.now();
    expect((await queryContacts(sim, {})).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
  });

  it('closes while a delayed request is pending, cutting its latency short', async () => {
    sim = await startVirtuousSimulator({ contacts: 10, faults: { latencyMs: 30_000 } });
    const pending = queryContacts(sim, {}).catch((error: unknown) => error);
    while (sim.stats.requests === 0) await new Promise((resolve) => setImmediate(resolve));
    await sim.close();
    // Closed before the 30 s latency was over: the pending request ends with an error, not an answer.
    expect(await pending).toBeInstanceOf(Error);
  });
});

describe('FaultInjector', () => {
  it('decides reproducibly from its seed and respects the rates', () => {
    const decisions = (seed: number) => {
      const injector = new FaultInjector({ errorRate: 0.2, dropRate: 0.1, latencyMs: [5, 15], seed }, 1);
      return Array.from({ length: 2000 }, () => injector.decide());
    };
    const first = decisions(42);
    expect(decisions(42)).toEqual(first);
    expect(decisions(43)).not.toEqual(first);
    const drops = first.filter((decision) => decision.outcome === 'drop').length;
    const errors = first.filter((decision) => decision.outcome === 'error');
    expect(drops / 2000).toBeGreaterThan(0.07);
    expect(drops / 2000).toBeLessThan(0.13);
    expect(errors.length / 2000).toBeGreaterThan(0.14);
    expect(errors.length / 2000).toBeLessThan(0.22);
    expect(new Set(errors.map((decision) => decision.outcome === 'error' && decision.status))).toEqual(new Set([500, 503]));
    for (const decision of first) {
      expect(decision.latencyMs).toBeGreaterThanOrEqual(5);
      expect(decision.latencyMs).toBeLessThanOrEqual(15);
    }
  });

  it('never faults without configuration', () => {
    const injector = new FaultInjector(undefined, 1);
    for (let k = 0; k < 100; k++) expect(injector.decide()).toEqual({ latencyMs: 0, outcome: 'answer' });
  });
});
