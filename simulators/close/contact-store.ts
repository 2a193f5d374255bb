import type { CloseCatalog } from './close-catalog.js';
import type { ContactGenerator, ContactRecord } from './contact-generator.js';
import { CreatedOrder } from './created-order.js';
import { LeadGenerator, type LeadFacts } from './lead-generator.js';
import type { MutationClock } from './mutation-clock.js';

export interface SharedTimestamp {
  count: number;
  atMicros: number;
}

/** What an edit may not change: identity, creation time, and (for simplicity) the lead link. */
const READ_ONLY_KEYS = new Set(['id', 'organization_id', 'lead_id', 'date_created', 'date_updated']);

interface ContactOverride {
  /** Changed record keys; `undefined` removes a key. */
  changes: ContactRecord;
  updatedMicros: number;
}

/**
 * The simulator's contacts: generated ones (by index) plus an overlay of edits; inserted contacts
 * continue the index sequence. date_created lives in a typed array and in the (date_created, id)
 * order; records are built only when asked for.
 */
export class ContactStore {
  private created: Float64Array;
  private orderKeys: Uint32Array;
  private size: number;
  private readonly overrides = new Map<number, ContactOverride>();
  readonly createdOrder: CreatedOrder;
  private readonly leads: LeadGenerator;
  /** Indices sorted by order key (= id order), built on first use and dropped on insert. */
  private idOrderCache: Int32Array | undefined;

  constructor(
    private readonly generator: ContactGenerator,
    readonly catalog: CloseCatalog,
    baseCount: number,
    shared: SharedTimestamp | undefined,
    private readonly clock: MutationClock,
    seed: number,
  ) {
    this.size = baseCount;
    this.created = new Float64Array(Math.max(16, baseCount));
    this.orderKeys = new Uint32Array(Math.max(16, baseCount));
    for (let index = 0; index < baseCount; index++) {
      this.created[index] = generator.createdMicros(index);
      this.orderKeys[index] = generator.ids.orderKey(index);
    }
    if (shared && shared.count > 0 && baseCount > 0) {
      // Spread the sharing contacts evenly over the index range (so over ids and leads).
      const count = Math.min(shared.count, baseCount);
      const step = baseCount / count;
      for (let k = 0; k < count; k++) this.created[Math.floor(k * step)] = shared.atMicros;
    }
    this.createdOrder = CreatedOrder.build(this.created, this.orderKeys, baseCount, (index) => this.orderKeys[index]!);
    this.leads = new LeadGenerator(seed, generator.leadIds, catalog);
  }

  get count(): number {
    return this.size;
  }

  createdMicros(index: number): number {
    return this.created[index]!;
  }

  /** A number whose order is the id's string order. */
  orderKey(index: number): number {
    return this.orderKeys[index]!;
  }

  idAt(index: number): string {
    return this.generator.ids.idAt(index);
  }

  indexOfId(id: string): number {
    const index = this.generator.ids.indexOf(id);
    return index >= 0 && index < this.size ? index : -1;
  }

  updatedMicros(index: number): number {
    return this.overrides.get(index)?.updatedMicros ?? this.generator.updatedMicros(index, this.created[index]!);
  }

  /** A fresh copy of the full record, edits applied. */
  record(index: number): ContactRecord {
    const override = this.overrides.get(index);
    const created = this.created[index]!;
    const updated = override?.updatedMicros ?? this.generator.updatedMicros(index, created);
    const record = this.generator.record(index, created, updated);
    if (override) {
      for (const [key, value] of Object.entries(override.changes)) {
        if (value === undefined) delete record[key];
        else record[key] = structuredClone(value);
      }
    }
    return record;
  }

  /** One field of the record (edits applied) without building the rest; not a copy: do not mutate. */
  field(index: number, key: string): unknown {
    const override = this.overrides.get(index);
    if (override && Object.hasOwn(override.changes, key)) return override.changes[key];
    const created = this.created[index]!;
    return this.generator.field(index, key, created, override?.updatedMicros ?? this.generator.updatedMicros(index, created));
  }

  leadKey(index: number): number {
    return this.generator.leadKey(index);
  }

  lead(key: number): LeadFacts {
    return this.leads.lead(key);
  }

  /** Contact indices in id order (no `sort` given). */
  idOrder(): Int32Array {
    if (!this.idOrderCache) {
      const order = new Int32Array(this.size);
      for (let index = 0; index < this.size; index++) order[index] = index;
      const keys = this.orderKeys;
      order.sort((a, b) => keys[a]! - keys[b]!);
      this.idOrderCache = order;
    }
    return this.idOrderCache;
  }

  edit(id: string, changes: Record<string, unknown>): void {
    const index = this.indexOfId(id);
    if (index < 0) throw new RangeError(`The simulator has no contact with id ${id}`);
    const knownCustom = new Set(this.catalog.contactFields.map((field) => `custom.${field.id}`));
    for (const key of Object.keys(changes)) {
      if (READ_ONLY_KEYS.has(key)) throw new RangeError(`edit cannot change "${key}"`);
      if (key.startsWith('custom.') && !knownCustom.has(key)) throw new RangeError(`edit: unknown contact custom field "${key}"`);
    }
    const copy = structuredClone(changes);
    if (Object.hasOwn(copy, 'name') && !Object.hasOwn(copy, 'display_name')) {
      // Like Close, the display name follows the name (falling back to an email or phone).
      const current = this.record(index);
      const emails = (copy['emails'] ?? current['emails']) as { email?: unknown }[] | undefined;
      const phones = (copy['phones'] ?? current['phones']) as { phone_formatted?: unknown }[] | undefined;
      copy['display_name'] = copy['name'] || emails?.[0]?.email || phones?.[0]?.phone_formatted || '';
    }
    const previous = this.overrides.get(index);
    this.overrides.set(index, {
      changes: { ...previous?.changes, ...copy },
      updatedMicros: this.clock.nextMutationMicros(),
    });
  }

  insert(count: number): string[] {
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`insert count must be a non-negative integer, got ${count}`);
    this.ensureCapacity(this.size + count);
    const ids: string[] = [];
    for (let k = 0; k < count; k++) {
      const index = this.size++;
      const now = this.clock.nextMutationMicros();
      this.created[index] = now;
      this.orderKeys[index] = this.generator.ids.orderKey(index);
      this.overrides.set(index, { changes: {}, updatedMicros: now });
      this.createdOrder.insert(index, now);
      ids.push(this.idAt(index));
    }
    if (count > 0) this.idOrderCache = undefined;
    return ids;
  }

  private ensureCapacity(needed: number): void {
    if (needed <= this.created.length) return;
    const capacity = Math.max(needed, this.created.length * 2);
    const created = new Float64Array(capacity);
    created.set(this.created);
    this.created = created;
    const orderKeys = new Uint32Array(capacity);
    orderKeys.set(this.orderKeys);
    this.orderKeys = orderKeys;
  }
}
