import { createHmac, randomBytes } from 'node:crypto';
import { cursorRefusal, type CursorErrorShape, type SimulatorRequestError } from './close-errors.js';
import type { SortValue } from './sort-spec.js';

/** Where a cursor walk stands: how much it has served and the sort position of its last result. */
export interface WalkCursor {
  /** Digest of the request the walk belongs to (query, sort, results_limit). */
  digest: string;
  /** Objects returned by the walk so far (first page included). */
  served: number;
  /** Contact index and sort values of the last result served. */
  lastIndex: number;
  lastValues: SortValue[];
  /** Simulator-clock milliseconds when this cursor was issued. */
  issuedAt: number;
}

/**
 * Opaque, stateless cursors: base64url(JSON state) + "." + HMAC of it under a secret drawn per
 * simulator, so that clients cannot forge or edit them and nothing accumulates server-side. The walk
 * continues from the sort values recorded in the cursor (search-after), so edits between pages can
 * move contacts across the cursor exactly as with an unstable sort on the real API.
 */
export class CursorCodec {
  private readonly secret = randomBytes(32);

  encode(cursor: WalkCursor): string {
    const body = Buffer.from(JSON.stringify([cursor.digest, cursor.served, cursor.lastIndex, cursor.lastValues, cursor.issuedAt])).toString(
      'base64url',
    );
    return `${body}.${this.sign(body)}`;
  }

  constructor(private readonly shape: CursorErrorShape) {}

  /** Throws a 400 for a cursor that is not one of ours (malformed, forged, or from another simulator). */
  decode(token: string): WalkCursor {
    const [body, signature, extra] = token.split('.');
    if (body === undefined || signature === undefined || extra !== undefined || this.sign(body) !== signature) throw invalidCursor(this.shape);
    let state: unknown;
    try {
      state = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    } catch {
      throw invalidCursor(this.shape);
    }
    if (!Array.isArray(state) || state.length !== 5) throw invalidCursor(this.shape);
    const [digest, served, lastIndex, lastValues, issuedAt] = state as [string, number, number, SortValue[], number];
    return { digest, served, lastIndex, lastValues, issuedAt };
  }

  private sign(body: string): string {
    return createHmac('sha256', this.secret).update(body).digest('base64url').slice(0, 22);
  }
}

export function invalidCursor(shape: CursorErrorShape): SimulatorRequestError {
  return cursorRefusal('Invalid cursor: it is malformed or was not issued by this server.', shape);
}

export function expiredCursor(ageMs: number, ttlMs: number, shape: CursorErrorShape): SimulatorRequestError {
  return cursorRefusal(
    `The cursor has expired (issued ${(ageMs / 1000).toFixed(1)} s ago; cursors are valid for ${ttlMs / 1000} s). Restart the search without a cursor.`,
    shape,
  );
}

export function mismatchedCursor(shape: CursorErrorShape): SimulatorRequestError {
  return cursorRefusal(
    'The cursor does not belong to this query: send the same query, sort and results_limit as the request that returned it.',
    shape,
  );
}

export function exhaustedCursor(served: number, shape: CursorErrorShape): SimulatorRequestError {
  return cursorRefusal(
    `This search has returned its maximum of ${served} objects: the cursor cannot go further. Narrow the query and search again.`,
    shape,
  );
}
