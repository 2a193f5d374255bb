import type { CloseSimulator } from '../../../simulators/close/index.js';

/** Small fetch helpers and query builders for the Close simulator tests. */
export interface SimResponse<T = any> {
  status: number;
  headers: Headers;
  text: string;
  json: T;
}

export interface SearchCall {
  /** API key for Basic auth; null sends no Authorization header. */
  apiKey?: string | null;
  /** Raw Authorization header (wins over apiKey). */
  authorization?: string;
  rawBody?: string;
  path?: string;
  method?: string;
}

export function basicAuth(user: string, password = ''): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

export async function search(sim: CloseSimulator, body: unknown, call: SearchCall = {}): Promise<SimResponse> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  const apiKey = call.apiKey === undefined ? sim.apiKey : call.apiKey;
  if (call.authorization !== undefined) headers['Authorization'] = call.authorization;
  else if (apiKey !== null) headers['Authorization'] = basicAuth(apiKey);
  const method = call.method ?? 'POST';
  const response = await fetch(`${sim.url}${call.path ?? '/data/search/'}`, {
    method,
    headers,
    redirect: 'manual',
    ...(method === 'GET' || method === 'HEAD' ? {} : { body: call.rawBody ?? JSON.stringify(body) }),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

export const OBJECT_TYPE_CONTACT = { type: 'object_type', object_type: 'contact' } as const;

/** `{"type":"and","queries":[object_type contact, ...queries]}`. */
export function contactQuery(...queries: unknown[]) {
  return { type: 'and', queries: [OBJECT_TYPE_CONTACT, ...queries] };
}

export function regular(fieldName: string, objectType = 'contact') {
  return { type: 'regular_field', object_type: objectType, field_name: fieldName };
}

export function custom(customFieldId: string) {
  return { type: 'custom_field', custom_field_id: customFieldId };
}

export function fieldCondition(field: unknown, condition: unknown, negate?: boolean) {
  return { type: 'field_condition', field, condition, ...(negate === undefined ? {} : { negate }) };
}

export function onOrAfter(value: string, before?: string) {
  return {
    type: 'moment_range',
    on_or_after: { type: 'fixed_utc', value },
    ...(before === undefined ? {} : { before: { type: 'fixed_utc', value: before } }),
  };
}

export function sortBy(fieldName: string, direction: 'asc' | 'desc' = 'asc', objectType = 'contact') {
  return [{ direction, field: regular(fieldName, objectType) }];
}

export function ids(response: SimResponse): string[] {
  return (response.json.data as { id: string }[]).map((item) => item.id);
}

/** Follows cursors from a first request until the cursor is null; returns every page. */
export async function walk(sim: CloseSimulator, body: Record<string, unknown>): Promise<SimResponse[]> {
  const pages: SimResponse[] = [];
  let cursor: string | null = null;
  do {
    const response = await search(sim, cursor === null ? body : { ...body, cursor });
    if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${response.text}`);
    pages.push(response);
    cursor = response.json.cursor;
  } while (cursor !== null);
  return pages;
}
