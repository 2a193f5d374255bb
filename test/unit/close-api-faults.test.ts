import { afterEach, describe, expect, it } from 'vitest';
import { BulkExportError } from '../../src/errors/index.js';
import type { ExportRange, TimeWindow } from '../../src/planning/export-range.js';
import { startCloseSimulator, type CloseSimulator, type CloseSimulatorOptions } from '../../simulators/close/index.js';
import { CloseClient, type CloseSearchBody } from '../../src/sources/close/close-client.js';
import type { CloseQueryNode } from '../../src/sources/close/close-query.js';
import { CloseSource, DEFAULT_CLOSE_SETTINGS } from '../../src/sources/close/close-source.js';
import { editJson, isCloseWalk, startApiFaultProxy, type ApiFaultProxy, type FaultRules } from '../support/api-fault-proxy.js';

/**
 * The Close source against the simulator behind a fault-injecting proxy: a walk's answer that breaks
 * what its request asked (a window bound, an id exclusion) fails the range, naming the API's fault,
 * instead of being skipped.
 */
const SHARED_AT = '2016-09-10T09:15:30.123456+00:00';

let simulator: CloseSimulator | undefined;
let proxy: ApiFaultProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  await simulator?.close();
  proxy = undefined;
  simulator = undefined;
});

async function behindProxy(options: CloseSimulatorOptions, rules: FaultRules): Promise<{ source: CloseSource; sim: CloseSimulator }> {
  simulator = await startCloseSimulator(options);
  proxy = await startApiFaultProxy(simulator.url, rules);
  const client = new CloseClient({ baseUrl: proxy.url, apiKey: simulator.apiKey, backoff: { baseDelayMs: 1, maxDelayMs: 5 } });
  return {
    source: new CloseSource(client, { ...DEFAULT_CLOSE_SETTINGS, discoverCustomFields: false, fields: ['id', 'date_created'] }),
    sim: simulator,
  };
}

async function readAll(source: CloseSource, range: ExportRange): Promise<string[]> {
  const ids: string[] = [];
  for await (const page of source.pages(range, null)) ids.push(...page.rows.map((row) => row.id as string));
  return ids;
}

/** Each walk's query without the nodes `drop` picks (the API ignoring them). */
function walksWithout(drop: (node: CloseQueryNode) => CloseQueryNode | null): FaultRules {
  return {
    rewriteRequest: (call) =>
      isCloseWalk(call)
        ? editJson<CloseSearchBody>(call.body, (body) => {
            body.query.queries = (body.query.queries as CloseQueryNode[]).flatMap((node) => drop(node) ?? []);
          })
        : undefined,
  };
}

describe('Close walks are checked against what the request asked', () => {
  it("fails with OUT_OF_RANGE when the API ignores a window's upper bound, instead of skipping the rows", async () => {
    const { source } = await behindProxy(
      { contacts: 600, seed: 3 },
      walksWithout((node) => {
        const condition = node.condition as { type?: string; before?: unknown } | undefined;
        if (node.type === 'field_condition' && condition?.type === 'moment_range') delete condition.before;
        return node;
      }),
    );
    const plan = await source.plan({ targetRowsPerRange: 200 });
    const first = plan.ranges[0] as TimeWindow;
    expect(first.before).not.toBeNull();
    const failure = await readAll(source, first).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(BulkExportError);
    expect((failure as BulkExportError).code).toBe('OUT_OF_RANGE');
    expect((failure as Error).message).toMatch(
      /although the request asked only for date_created before .*: the API ignored the window's upper bound/,
    );
  });

  it('fails with FILTER_IGNORED when the API returns contacts the request excluded by id', async () => {
    // 800 contacts share one date_created and a walk returns at most 500: only excluding ids gets past them.
    const { source } = await behindProxy(
      { contacts: 1500, seed: 11, sharedTimestamp: { count: 800, at: SHARED_AT }, maxObjectsPerWalk: 500 },
      walksWithout((node) => (node.type === 'or' && node.negate === true ? null : node)),
    );
    const failure = await readAll(source, { kind: 'time', index: 0, from: null, before: null, estimatedRows: 0 }).catch((error: unknown) => error);
    expect((failure as BulkExportError).code).toBe('FILTER_IGNORED');
    expect((failure as Error).message).toMatch(/although the request excluded it by id .*: the API ignored part of the query/);
  });
});
