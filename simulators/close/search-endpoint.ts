import type { CloseCatalog } from './close-catalog.js';
import type { ContactStore } from './contact-store.js';
import type { CursorErrorShape } from './close-errors.js';
import { CursorCodec, exhaustedCursor, expiredCursor, invalidCursor, mismatchedCursor, type WalkCursor } from './cursor-codec.js';
import { project, type CustomFieldShape } from './field-projection.js';
import type { MutationClock } from './mutation-clock.js';
import type { ObjectSchema } from './object-schemas.js';
import { countMatches, findPage, type SearchAfter } from './search-executor.js';
import { parseSearchRequest } from './search-request.js';
import type { CloseSimulatorStats } from './simulator-stats.js';

export interface SearchLimits {
  maxLimit: number;
  maxObjectsPerWalk: number;
  cursorTtlMs: number;
  maxFieldSelectors: number;
}

/**
 * What a walk does at `maxObjectsPerWalk` (the evidence leaves it open: docs/sources/close.md, "Open questions"):
 * - `cursor-null`: the page that reaches the cap has cursor null, as if nothing more matched;
 * - `refuse`: that page still has a cursor, and using it is a 400 naming the cursor, as a public
 *   production connector handles the cap.
 */
export type WalkCapShape = 'cursor-null' | 'refuse';
export const WALK_CAP_SHAPES: readonly WalkCapShape[] = ['cursor-null', 'refuse'];

/** The answer shapes the evidence leaves open; see `CustomFieldShape`, `CursorErrorShape`, `WalkCapShape`. */
export interface SearchModes {
  customFieldShape: CustomFieldShape;
  cursorErrorShape: CursorErrorShape;
  walkCapShape: WalkCapShape;
  /** Whether results carry `lead_id` although `_fields` did not ask for it. */
  unaskedLeadId: boolean;
}

export interface SearchResponseBody {
  data: Record<string, unknown>[];
  cursor: string | null;
  count?: { limited: number; total: number };
}

/**
 * `POST /api/v1/data/search/` for contacts. A walk is a first request without `cursor` plus the
 * requests that follow its cursors; it ends (cursor null) when no match is left, or when it has
 * served results_limit objects; at maxObjectsPerWalk objects it ends as `walkCapShape` says, even if
 * more match. Cursors expire `cursorTtlMs` after they were issued (simulator clock).
 */
export class SearchEndpoint {
  private readonly codec: CursorCodec;
  private readonly customKeys: ReadonlySet<string>;
  private readonly customNames: ReadonlyMap<string, string>;

  constructor(
    private readonly store: ContactStore,
    private readonly catalog: CloseCatalog,
    private readonly schemas: ReadonlyMap<string, ObjectSchema>,
    private readonly clock: MutationClock,
    private readonly limits: SearchLimits,
    private readonly stats: CloseSimulatorStats,
    private readonly modes: SearchModes,
  ) {
    this.codec = new CursorCodec(modes.cursorErrorShape);
    this.customKeys = new Set(catalog.contactFields.map((field) => `custom.${field.id}`));
    this.customNames = new Map(catalog.contactFields.map((field) => [field.id, field.name]));
  }

  answer(bodyText: string): SearchResponseBody {
    const nowMs = this.clock.now();
    const request = parseSearchRequest(bodyText, {
      schemas: this.schemas,
      nowMicros: Math.floor(nowMs * 1000),
      currentUserId: this.catalog.currentUserId,
      maxLimit: this.limits.maxLimit,
      customKeys: this.customKeys,
      maxFieldSelectors: this.limits.maxFieldSelectors,
    });
    const walk = request.cursor === undefined ? undefined : this.openCursor(request.cursor, request.digest, nowMs);
    const walkCap = this.limits.maxObjectsPerWalk;
    const resultsCap = request.resultsLimit ?? Infinity;
    const refuseAtCap = this.modes.walkCapShape === 'refuse';
    if (walk && refuseAtCap && walk.served >= walkCap) {
      this.stats.walksRefusedAtCap++;
      throw exhaustedCursor(walk.served, this.modes.cursorErrorShape);
    }
    const cap = Math.min(walkCap, resultsCap);
    const served = walk?.served ?? 0;
    const take = Math.max(0, Math.min(request.limit, cap - served));
    const after: SearchAfter | undefined = walk ? { index: walk.lastIndex, values: walk.lastValues } : undefined;
    const page = take > 0 ? findPage(this.store, request.query, request.sort, after, take) : { indices: [], values: [], more: false };

    const total = served + page.indices.length;
    const lastIndex = page.indices[page.indices.length - 1];
    const cursor =
      page.more && total < resultsCap && (total < walkCap || refuseAtCap) && lastIndex !== undefined
        ? this.codec.encode({ digest: request.digest, served: total, lastIndex, lastValues: page.values[page.values.length - 1]!, issuedAt: nowMs })
        : null;
    const data = page.indices.map((index) =>
      request.projection === undefined
        ? { __object_type: 'contact', id: this.store.idAt(index) }
        : project(
            this.store.record(index),
            request.projection,
            this.modes.customFieldShape,
            (id) => this.customNames.get(id) ?? id,
            this.modes.unaskedLeadId,
          ),
    );
    this.stats.rowsServed += data.length;
    const body: SearchResponseBody = { data, cursor };
    if (request.includeCounts) {
      const matching = page.total ?? countMatches(this.store, request.query);
      body.count = { limited: Math.min(matching, cap), total: matching };
    }
    return body;
  }

  private openCursor(token: string, digest: string, nowMs: number): WalkCursor {
    const cursor = this.codec.decode(token);
    const age = nowMs - cursor.issuedAt;
    if (age > this.limits.cursorTtlMs) {
      this.stats.cursorsExpired++;
      throw expiredCursor(age, this.limits.cursorTtlMs, this.modes.cursorErrorShape);
    }
    if (cursor.digest !== digest) throw mismatchedCursor(this.modes.cursorErrorShape);
    if (!Number.isInteger(cursor.lastIndex) || cursor.lastIndex < 0 || cursor.lastIndex >= this.store.count)
      throw invalidCursor(this.modes.cursorErrorShape);
    return cursor;
  }
}
