import type { ContactRecord } from './contact-generator.js';
import type { ContactStore } from './contact-store.js';
import type { LeadFacts } from './lead-generator.js';

/**
 * The contact a predicate is looking at: a reusable cursor over the store whose record and lead are
 * built at most once per contact, and only if a condition needs them (date_created and the id come
 * from typed arrays and arithmetic).
 */
export class ContactRow {
  index = -1;
  private cachedRecord: ContactRecord | undefined;
  private cachedLead: LeadFacts | undefined;
  private cachedId: string | undefined;

  constructor(readonly store: ContactStore) {}

  moveTo(index: number): this {
    if (index !== this.index) {
      this.index = index;
      this.cachedRecord = undefined;
      this.cachedLead = undefined;
      this.cachedId = undefined;
    }
    return this;
  }

  get createdMicros(): number {
    return this.store.createdMicros(this.index);
  }

  updatedMicros(): number {
    return this.store.updatedMicros(this.index);
  }

  /** Built once per contact: an `or` of many `id` queries reads it once per query. */
  id(): string {
    this.cachedId ??= this.store.idAt(this.index);
    return this.cachedId;
  }

  /** One record field (edits applied), from the full record when it is built anyway. */
  field(key: string): unknown {
    return this.cachedRecord ? this.cachedRecord[key] : this.store.field(this.index, key);
  }

  record(): ContactRecord {
    this.cachedRecord ??= this.store.record(this.index);
    return this.cachedRecord;
  }

  lead(): LeadFacts {
    this.cachedLead ??= this.store.lead(this.store.leadKey(this.index));
    return this.cachedLead;
  }
}
