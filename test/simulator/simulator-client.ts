import type { VirtuousSimulator } from '../../simulators/index.js';

/** Small fetch helpers for the simulator tests. */
export interface SimResponse<T = any> {
  status: number;
  headers: Headers;
  text: string;
  json: T;
}

export interface QueryCall {
  skip?: number;
  take?: number;
  full?: boolean;
  token?: string | null;
  rawBody?: string;
}

export async function queryContacts(sim: VirtuousSimulator, body: unknown, call: QueryCall = {}): Promise<SimResponse> {
  const params = new URLSearchParams();
  if (call.skip !== undefined) params.set('skip', String(call.skip));
  if (call.take !== undefined) params.set('take', String(call.take));
  const path = call.full ? '/api/Contact/Query/FullContact' : '/api/Contact/Query';
  return request(sim, 'POST', `${path}?${params}`, call.rawBody ?? JSON.stringify(body), call.token);
}

export async function request(
  sim: VirtuousSimulator,
  method: string,
  path: string,
  body?: string,
  token: string | null = sim.token,
): Promise<SimResponse> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (token !== null) headers['Authorization'] = `Bearer ${token}`;
  const response = await fetch(`${sim.url}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await response.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

export function condition(parameter: string, operator: string, value?: string | number, extra: Record<string, unknown> = {}) {
  return { parameter, operator, ...(value === undefined ? {} : { value: String(value) }), ...extra };
}

export function keysetBody(afterId: number, throughId: number, includeArchived = false) {
  return {
    groups: [{ conditions: [condition('Contact Id', 'GreaterThan', afterId), condition('Contact Id', 'LessThanOrEqual', throughId)] }],
    sortBy: 'Id',
    descending: false,
    includeArchived,
  };
}

export function ids(response: SimResponse): number[] {
  return (response.json.list as { id: number }[]).map((item) => item.id);
}
