import type { VirtuousSimulator } from '../../simulators/index.js';
import { condition, request, type QueryCall, type SimResponse } from './simulator-client.js';

/** `POST /api/Gift/Query` (or `/Query/FullGift` with `full`), paging in the query string as for contacts. */
export async function queryGifts(sim: VirtuousSimulator, body: unknown, call: QueryCall = {}): Promise<SimResponse> {
  const params = new URLSearchParams();
  if (call.skip !== undefined) params.set('skip', String(call.skip));
  if (call.take !== undefined) params.set('take', String(call.take));
  const path = call.full ? '/api/Gift/Query/FullGift' : '/api/Gift/Query';
  return request(sim, 'POST', `${path}?${params}`, call.rawBody ?? JSON.stringify(body), call.token);
}

/** A keyset page as an export asks it: the id parameter above the cursor (and at most `throughId`), sorted by id. */
export function giftKeysetBody(idParameter: string, afterId: number, throughId?: number) {
  const conditions = [condition(idParameter, 'GreaterThan', afterId)];
  if (throughId !== undefined) conditions.push(condition(idParameter, 'LessThanOrEqual', throughId));
  return { groups: [{ conditions }], sortBy: 'Id', descending: false };
}

/** Walks every gift a token sees with `<id parameter> GreaterThan <last id>` pages, as an export does. */
export async function giftKeysetExport(
  sim: VirtuousSimulator,
  idParameter: string,
  take: number,
  call: Pick<QueryCall, 'token' | 'full'> = {},
): Promise<{ seen: number[]; pages: number[] }> {
  const seen: number[] = [];
  const pages: number[] = [];
  let cursor = 0;
  for (;;) {
    const response = await queryGifts(sim, giftKeysetBody(idParameter, cursor), { ...call, take });
    if (response.status !== 200) throw new Error(`keyset page after ${cursor}: HTTP ${response.status} ${response.text}`);
    const page = (response.json.list as { id: number }[]).map((item) => item.id);
    seen.push(...page);
    pages.push(page.length);
    if (page.length < take) return { seen, pages };
    cursor = page[page.length - 1]!;
  }
}
