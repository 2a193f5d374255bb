import { afterEach, describe, expect, it } from 'vitest';
import { BulkExportError, SourceUnavailableError } from '../../src/errors/index.js';
import type { IdRange } from '../../src/planning/export-range.js';
import { startVirtuousSimulator, type VirtuousSimulator, type VirtuousSimulatorOptions } from '../../simulators/virtuous/index.js';
import type { SourcePage } from '../../src/sources/export-source.js';
import { describeRetry, type SourceRetry } from '../../src/sources/http/source-retry.js';
import { VirtuousClient } from '../../src/sources/virtuous/virtuous-client.js';
import { DEFAULT_VIRTUOUS_SETTINGS, VirtuousSource, type VirtuousSourceSettings } from '../../src/sources/virtuous/virtuous-source.js';
import type { VirtuousQueryBody } from '../../src/sources/virtuous/virtuous-query.js';
import { editJson, isVirtuousPage, startApiFaultProxy, takeOf, type ApiFaultProxy, type FaultRules } from '../support/api-fault-proxy.js';
import { CONTACT_ID_KEYSET } from '../support/virtuous-keyset.js';

/**
 * The Virtuous source against the simulator behind a fault-injecting proxy: the API ignoring a condition,
 * lying about its counts, breaking its envelope, or not answering. Each fault ends in an exact read or a
 * clear error that names the API's fault, never in rows silently lost or doubled.
 */
const WHOLE_RANGE: IdRange = { kind: 'id', index: 0, afterId: null, upToId: null, estimatedRows: 0 };
const FAST_BACKOFF = { baseDelayMs: 5, maxDelayMs: 20 };

let simulator: VirtuousSimulator | undefined;
let proxy: ApiFaultProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  await simulator?.close();
  proxy = undefined;
  simulator = undefined;
});

async function behindProxy(options: VirtuousSimulatorOptions, rules: FaultRules): Promise<{ sim: VirtuousSimulator; proxy: ApiFaultProxy }> {
  simulator = await startVirtuousSimulator(options);
  proxy = await startApiFaultProxy(simulator.url, rules);
  return { sim: simulator, proxy };
}

function sourceFor(
  sim: VirtuousSimulator,
  baseUrl: string,
  settings: Partial<VirtuousSourceSettings> = {},
  client: Partial<ConstructorParameters<typeof VirtuousClient>[0]> = {},
) {
  const http = new VirtuousClient({ baseUrl, token: sim.token, backoff: FAST_BACKOFF, ...client });
  return new VirtuousSource(http, { ...DEFAULT_VIRTUOUS_SETTINGS, idKeyset: CONTACT_ID_KEYSET, ...settings });
}

async function readAll(source: VirtuousSource, range: IdRange = WHOLE_RANGE): Promise<{ ids: number[]; pages: SourcePage[] }> {
  const pages: SourcePage[] = [];
  for await (const page of source.pages(range, null)) pages.push(page);
  return { ids: pages.flatMap((page) => page.rows.map((row) => row.id as number)), pages };
}

/** Every contact query's answer with `total` set to the length of its list. */
const totalIsPageLength: FaultRules = {
  rewriteResponse: (call, answer) =>
    isVirtuousPage(call) && answer.status === 200
      ? editJson<{ list: unknown[]; total: number }>(answer.body, (body) => (body.total = body.list.length))
      : undefined,
};

describe('Virtuous ranges end on evidence, not on a count', () => {
  it('reads every contact when total is the page length on every page, ending on the short page', async () => {
    const { sim, proxy } = await behindProxy({ contacts: 260 }, totalIsPageLength);
    const { ids, pages } = await readAll(sourceFor(sim, proxy.url, { pageSize: 50 }));
    expect(ids).toEqual(sim.expectedIds({ includeArchived: true }));
    // 5 full pages of 50, then the short one (10): no request after it.
    expect(proxy.calls.filter(isVirtuousPage).map(takeOf)).toEqual([50, 50, 50, 50, 50, 50]);
    expect(pages.at(-1)!.apiCount).toEqual({ read: 260, reported: 260 });
  });

  it('asks once more after an exactly full last page, and gets an empty one', async () => {
    const { sim, proxy } = await behindProxy({ contacts: 250 }, totalIsPageLength);
    const { ids } = await readAll(sourceFor(sim, proxy.url, { pageSize: 50 }));
    expect(ids).toEqual(sim.expectedIds({ includeArchived: true }));
    const answers = proxy.calls.filter(isVirtuousPage).map((call) => (JSON.parse(call.rewrittenAnswer!) as { list: unknown[] }).list.length);
    expect(answers).toEqual([50, 50, 50, 50, 50, 0]);
  });

  it('follows a short page whose total says more (a server that sends fewer than asked)', async () => {
    const { sim, proxy } = await behindProxy(
      { contacts: 300 },
      {
        rewriteResponse: (call, answer) =>
          isVirtuousPage(call) ? editJson<{ list: unknown[] }>(answer.body, (body) => (body.list = body.list.slice(0, 40))) : undefined,
      },
    );
    const { ids, pages } = await readAll(sourceFor(sim, proxy.url, { pageSize: 100 }));
    expect(ids).toEqual(sim.expectedIds({ includeArchived: true }));
    expect(pages.at(-1)!.apiCount).toEqual({ read: 300, reported: 300 });
  });

  it("keeps the API's own totals next to what it returned, so rows it drops show", async () => {
    const { sim, proxy } = await behindProxy(
      { contacts: 300 },
      {
        rewriteResponse: (call, answer) =>
          isVirtuousPage(call)
            ? editJson<{ list: unknown[] }>(answer.body, (body) => (body.list = body.list.filter((_, index) => index % 2 === 0)))
            : undefined,
      },
    );
    const { ids, pages } = await readAll(sourceFor(sim, proxy.url, { pageSize: 100 }));
    expect(ids.length).toBeLessThan(200);
    expect(pages.at(-1)!.apiCount).toEqual({ read: ids.length, reported: 300 });
  });
});

describe('Virtuous pages are checked against what the request asked', () => {
  it("fails with OUT_OF_RANGE when the API ignores the range's upper bound", async () => {
    const { sim, proxy } = await behindProxy(
      { contacts: 300 },
      {
        rewriteRequest: (call) =>
          isVirtuousPage(call)
            ? editJson<VirtuousQueryBody>(call.body, (body) => {
                for (const group of body.groups) group.conditions = group.conditions.filter((condition) => condition.operator !== 'LessThanOrEqual');
              })
            : undefined,
      },
    );
    const upToId = sim.expectedIds({ includeArchived: true })[99]!;
    const failure = await readAll(sourceFor(sim, proxy.url), { ...WHOLE_RANGE, upToId }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(BulkExportError);
    expect((failure as BulkExportError).code).toBe('OUT_OF_RANGE');
    expect((failure as Error).message).toMatch(new RegExp(`asked only for ids up to ${upToId}: the API ignored the range's upper bound`));
  });

  it('fails with FILTER_IGNORED when the API ignores the modification-date pre-filter of an export of changes', async () => {
    let now = Date.parse('2026-11-20T10:00:00Z');
    const { sim, proxy } = await behindProxy(
      { contacts: 200, now: () => now },
      {
        rewriteRequest: (call) =>
          isVirtuousPage(call)
            ? editJson<VirtuousQueryBody>(call.body, (body) => {
                for (const group of body.groups) group.conditions = group.conditions.filter((condition) => condition.parameter === 'Contact Id');
              })
            : undefined,
      },
    );
    now = Date.parse('2026-11-29T15:00:00Z');
    for (const id of sim.expectedIds().slice(0, 5)) sim.edit(id, { name: `Edited ${id}` });
    const since = { at: '2026-11-29T12:00:00.000000+00:00', idsAtLast: [] };
    const source = sourceFor(sim, proxy.url, { changes: { since, prefilter: null } });
    const failure = await readAll(source).catch((error: unknown) => error);
    expect((failure as BulkExportError).code).toBe('FILTER_IGNORED');
    expect((failure as Error).message).toMatch(
      /asked only for contacts whose "Last Modified Date" is OnOrAfter 2026-11-28: the API ignored that condition/,
    );
  });

  it('says that the API answered without a "list", not a TypeError', async () => {
    const { sim, proxy } = await behindProxy(
      { contacts: 50 },
      {
        rewriteResponse: (call, answer) => (isVirtuousPage(call) ? editJson<{ list?: unknown }>(answer.body, (body) => delete body.list) : undefined),
      },
    );
    const failure = await readAll(sourceFor(sim, proxy.url)).catch((error: unknown) => error);
    expect((failure as BulkExportError).code).toBe('UNEXPECTED_RESPONSE');
    expect((failure as Error).message).toMatch(
      /^Virtuous answered POST \/api\/Contact\/Query without a "list" array \(the answer's shape: \{total\}\).*VIRTUOUS_BASE_URL/,
    );
  });

  it('says that the API returned a non-numeric id, not that the page is unsorted', async () => {
    const { sim, proxy } = await behindProxy(
      { contacts: 50 },
      {
        rewriteResponse: (call, answer) =>
          isVirtuousPage(call)
            ? editJson<{ list: { id: unknown }[] }>(answer.body, (body) => body.list.forEach((row) => (row.id = String(row.id))))
            : undefined,
      },
    );
    const failure = await readAll(sourceFor(sim, proxy.url)).catch((error: unknown) => error);
    expect((failure as BulkExportError).code).toBe('UNEXPECTED_ROW');
    const first = sim.expectedIds({ includeArchived: true })[0]!;
    expect((failure as Error).message).toContain(
      `Virtuous returned a contact with the non-numeric id "${first}" (string), where the API documents whole-number ids: contacts are paged by id`,
    );
  });

  it('refuses a QueryOptions answer without its "options" list by name', async () => {
    const { sim, proxy } = await behindProxy(
      { contacts: 10 },
      { rewriteResponse: (call) => (call.url.pathname.endsWith('/QueryOptions') ? '{"items":[]}' : undefined) },
    );
    const failure = await sourceFor(sim, proxy.url, { idKeyset: null })
      .validate()
      .catch((error: unknown) => error);
    expect((failure as BulkExportError).code).toBe('UNEXPECTED_RESPONSE');
    expect((failure as Error).message).toContain('Virtuous answered GET /api/Contact/QueryOptions without an "options" list of parameters');
  });
});

describe('Virtuous requests that get no answer', () => {
  it('spends one budget of tries on a page across the take ladder, announcing each', async () => {
    const { sim, proxy } = await behindProxy({ contacts: 50 }, { hold: (call) => (isVirtuousPage(call) ? 'silent' : undefined) });
    const retries: SourceRetry[] = [];
    const source = sourceFor(sim, proxy.url, {}, { timeoutMs: 200, maxAttempts: 5, onRetry: (retry) => retries.push(retry) });
    const failure = await readAll(source).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(SourceUnavailableError);
    expect((failure as Error).message).toContain(
      'did not answer POST /api/Contact/Query successfully after 5 attempts (last: no answer within 200 ms)',
    );
    // Five tries in all, two per take, not five per take.
    expect(proxy.calls.filter(isVirtuousPage).map(takeOf)).toEqual([1000, 1000, 500, 500, 250]);
    expect(retries.map((retry) => describeRetry(retry))).toEqual(
      [2, 3, 4, 5].map((n) => `Virtuous did not answer POST /api/Contact/Query within 200 ms; retrying (${n} of 5)`),
    );
  });

  it('times out an answer whose headers came but whose body never does', async () => {
    const { sim, proxy } = await behindProxy({ contacts: 50 }, { hold: (call) => (isVirtuousPage(call) ? 'headers-then-silence' : undefined) });
    const source = sourceFor(sim, proxy.url, {}, { timeoutMs: 200, maxAttempts: 2 });
    const failure = await readAll(source).catch((error: unknown) => error);
    expect((failure as Error).message).toContain('after 2 attempts (last: no answer within 200 ms)');
    expect(proxy.calls.filter(isVirtuousPage)).toHaveLength(2);
  });

  it('reads on once the API answers again, within the same budget', async () => {
    const { sim, proxy } = await behindProxy({ contacts: 120 }, {});
    let held = 0;
    proxy.setRules({ hold: (call) => (isVirtuousPage(call) && held++ < 3 ? 'silent' : undefined) });
    const { ids } = await readAll(sourceFor(sim, proxy.url, { pageSize: 50 }, { timeoutMs: 150, maxAttempts: 4 }));
    expect(ids).toEqual(sim.expectedIds({ includeArchived: true }));
  });
});
