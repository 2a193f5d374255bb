// What the requests an export sent were for, told apart at the simulator (through the recording proxy)
// by path and `take`, so that nothing the exporter sends escapes the count.
import type { AnswerRecord } from './services-protocol.js';

export interface RequestClasses {
  /** Every answer the proxy passed back (429s included). */
  total: number;
  /** `GET /api/Contact/QueryOptions`: the catalogue of parameters and operators. */
  queryOptions: number;
  /** Contact queries with take=1: planning's count and bound probes (and any a worker sends). */
  probes: number;
  /** Contact queries with take > 1 that were answered: the pages that carry rows (short and empty last pages of ranges included). */
  dataPages: number;
  /** Refused for the budget (each also belongs to no other class). */
  tooMany: number;
  /** Anything else: other paths, other statuses. */
  other: number;
}

// Paths as the simulator matches them: case-insensitive, trailing slashes ignored.
const CONTACT_QUERY = /^\/api\/contact\/query(\/fullcontact)?$/;
const QUERY_OPTIONS = '/api/contact/queryoptions';

export function classifyRequests(records: readonly AnswerRecord[]): RequestClasses {
  const classes: RequestClasses = { total: records.length, queryOptions: 0, probes: 0, dataPages: 0, tooMany: 0, other: 0 };
  for (const record of records) {
    const path = record.path.toLowerCase().replace(/\/+$/, '');
    if (record.status === 429) classes.tooMany++;
    else if (record.status !== 200) classes.other++;
    else if (path === QUERY_OPTIONS) classes.queryOptions++;
    else if (CONTACT_QUERY.test(path) && record.take === 1) classes.probes++;
    else if (CONTACT_QUERY.test(path) && record.take !== null && record.take > 1) classes.dataPages++;
    else classes.other++;
  }
  return classes;
}

/** The fewest requests that can carry `rows` rows: full pages and one last, shorter one. */
export function minimumPages(rows: number, pageSize: number): number {
  return Math.ceil(rows / pageSize);
}
