import { BulkExportError } from '../../errors/index.js';
import type { SourceRow } from '../export-source.js';
import type { CloseClient, CloseSearchBody } from './close-client.js';
import { OBJECT_TYPE_CONTACT, sortByDateCreated } from './close-query.js';
import { isCursorRefusal, isFieldSelectorRefusal } from './close-refusals.js';
import type { CloseRequestLimits } from './close-request-limits.js';
import { mergeContactBytes, mergeContactFields } from './close-row-merge.js';

/** A contact as one answer gave it, with its bytes when they were kept. */
export interface ContactAnswer {
  row: SourceRow;
  raw?: Uint8Array;
}

/** Searches for the same ids in a row that bring none of them before the contacts are declared gone. */
const MAX_FRUITLESS_SEARCHES = 2;

/**
 * Completes contacts that the walk read with only some of their fields, because the export asks for
 * more field selectors than one request may carry: for each next group of selectors, searches for
 * these contacts by id (`or` of `id` queries, the documented "ID query") with `_fields` = `id` and that
 * group, and merges each answer into its contact by id. The selectors per request follow `limits`
 * (a `_fields` refusal splits the rest smaller); a walk of these searches whose cursor dies is
 * continued by a new search for the ids still missing.
 *
 * A contact that no longer answers to its id was deleted between the requests: its row would lack
 * fields, so the page fails instead, and the range is retried from its checkpoint (where the deleted
 * contact is no longer read).
 */
export async function completeContacts(args: {
  client: CloseClient;
  limits: CloseRequestLimits;
  contacts: ContactAnswer[];
  /** The selectors the walk's request did not carry. */
  selectors: readonly string[];
  rawRows: boolean;
  signal?: AbortSignal;
}): Promise<ContactAnswer[]> {
  const { client, limits, selectors, rawRows, signal } = args;
  let contacts = args.contacts;
  let pending = [...selectors];
  while (pending.length > 0 && contacts.length > 0) {
    const chunk = pending.slice(0, Math.max(1, limits.maxSelectors - 1));
    let answers: Map<string, ContactAnswer>;
    try {
      answers = await searchByIds({ client, limits, ids: contacts.map((contact) => contact.row.id as string), fields: chunk, rawRows, signal });
    } catch (error) {
      if (isFieldSelectorRefusal(error) && limits.stepDownSelectors()) continue;
      throw error;
    }
    contacts = contacts.map((contact) => {
      const answer = answers.get(contact.row.id as string)!;
      const merged: ContactAnswer = { row: mergeContactFields(contact.row, answer.row) };
      const raw = contact.raw !== undefined && answer.raw !== undefined ? mergeContactBytes(contact.raw, answer.raw) : null;
      if (raw) merged.raw = raw;
      return merged;
    });
    pending = pending.slice(chunk.length);
  }
  return contacts;
}

/** Every contact of `ids` with `fields`, by id. */
async function searchByIds(args: {
  client: CloseClient;
  limits: CloseRequestLimits;
  ids: readonly string[];
  fields: readonly string[];
  rawRows: boolean;
  signal?: AbortSignal;
}): Promise<Map<string, ContactAnswer>> {
  const { client, limits, ids, fields, rawRows, signal } = args;
  const wanted = new Set(ids);
  const found = new Map<string, ContactAnswer>();
  let fruitless = 0;
  while (found.size < wanted.size) {
    const missing = ids.filter((id) => !found.has(id));
    const body: CloseSearchBody = {
      query: { type: 'and', queries: [OBJECT_TYPE_CONTACT, { type: 'or', queries: missing.map((id) => ({ type: 'id', value: id })) }] },
      sort: sortByDateCreated('asc'),
      _fields: { contact: ['id', ...fields] },
    };
    const before = found.size;
    let cursor: string | null = null;
    for (;;) {
      const at: string | null = cursor;
      let response;
      try {
        response = await limits.search(client, () => ({ ...body, _limit: limits.pageSize, ...(at === null ? {} : { cursor: at }) }), signal, {
          rawRows,
          stepSelectors: false,
        });
      } catch (error) {
        if (at !== null && isCursorRefusal(error)) break;
        throw error;
      }
      response.data.forEach((row, index) => {
        const id = row.id;
        if (typeof id !== 'string' || !wanted.has(id) || found.has(id)) return;
        const answer: ContactAnswer = { row };
        const raw = response.rawData?.[index];
        if (raw) answer.raw = raw;
        found.set(id, answer);
      });
      if (response.cursor === null || found.size === wanted.size) break;
      cursor = response.cursor;
    }
    fruitless = found.size > before ? 0 : fruitless + 1;
    if (fruitless >= MAX_FRUITLESS_SEARCHES) {
      const gone = ids.filter((id) => !found.has(id));
      throw new BulkExportError(
        'CONTACTS_GONE',
        `Close no longer returns ${gone.length} contact(s) (${gone.slice(0, 3).join(', ')}${gone.length > 3 ? ', ...' : ''}) when asked for them by id ` +
          'to read their remaining custom fields; they were probably deleted during the export. The range is retried from its checkpoint.',
      );
    }
  }
  return found;
}
