/**
 * Contacts sorted by (date_created, order key): `order[p]` is the index of the contact at position p
 * and `created[p]` its date_created in microseconds. The order key is the number whose order equals
 * the id's string order, so this is "date_created, then id" order. Binary searches give the position
 * of any (date_created) bound or (date_created, id) cursor in O(log n); nothing else is materialised.
 */
export class CreatedOrder {
  private order: Int32Array;
  private created: Float64Array;
  private size = 0;

  /** `orderKey(index)` must be consistent with the keys given to `insert`. */
  constructor(private readonly orderKey: (index: number) => number) {
    this.order = new Int32Array(16);
    this.created = new Float64Array(16);
  }

  /** Builds the order over indices 0..count-1 at once (the usual start-up path). */
  static build(createdOf: Float64Array, orderKeys: Uint32Array, count: number, orderKey: (index: number) => number): CreatedOrder {
    const sorted = new Int32Array(count);
    for (let index = 0; index < count; index++) sorted[index] = index;
    sorted.sort((a, b) => createdOf[a]! - createdOf[b]! || orderKeys[a]! - orderKeys[b]!);
    const result = new CreatedOrder(orderKey);
    result.order = new Int32Array(Math.max(16, count));
    result.order.set(sorted);
    result.created = new Float64Array(Math.max(16, count));
    for (let position = 0; position < count; position++) result.created[position] = createdOf[sorted[position]!]!;
    result.size = count;
    return result;
  }

  get length(): number {
    return this.size;
  }

  indexAt(position: number): number {
    return this.order[position]!;
  }

  createdAt(position: number): number {
    return this.created[position]!;
  }

  /** First position whose date_created is >= micros (`length` if none). */
  lowerBound(micros: number): number {
    let low = 0;
    let high = this.size;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.created[middle]! < micros) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** First position whose (date_created, order key) is > (micros, key), or >= when `inclusive`. */
  pairBound(micros: number, key: number, inclusive: boolean): number {
    let low = this.lowerBound(micros);
    // date_created values are whole microseconds, so micros + 1 bounds the group of equal values.
    let high = this.lowerBound(micros + 1);
    while (low < high) {
      const middle = (low + high) >>> 1;
      const middleKey = this.orderKey(this.order[middle]!);
      if (middleKey < key || (!inclusive && middleKey === key)) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** Adds a contact at its sorted place (O(1) at the end, which is where new contacts go). */
  insert(index: number, micros: number): void {
    this.ensureCapacity(this.size + 1);
    const position = this.pairBound(micros, this.orderKey(index), false);
    if (position < this.size) {
      this.order.copyWithin(position + 1, position, this.size);
      this.created.copyWithin(position + 1, position, this.size);
    }
    this.order[position] = index;
    this.created[position] = micros;
    this.size++;
  }

  private ensureCapacity(needed: number): void {
    if (needed <= this.order.length) return;
    const capacity = Math.max(needed, this.order.length * 2);
    const order = new Int32Array(capacity);
    order.set(this.order.subarray(0, this.size));
    this.order = order;
    const created = new Float64Array(capacity);
    created.set(this.created.subarray(0, this.size));
    this.created = created;
  }
}
