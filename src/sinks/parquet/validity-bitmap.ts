/** A growing Arrow validity bitmap: bit i is set when value i is present. */
export class ValidityBitmap {
  length = 0;
  nullCount = 0;
  private bits: Uint8Array;

  constructor(capacity: number) {
    this.bits = new Uint8Array(Math.max(8, (capacity + 7) >> 3));
  }

  appendValid(): void {
    const index = this.length;
    if (index >> 3 >= this.bits.length) this.grow();
    this.bits[index >> 3]! |= 1 << (index & 7);
    this.length = index + 1;
  }

  appendNull(): void {
    if (this.length >> 3 >= this.bits.length) this.grow();
    this.nullCount++;
    this.length++;
  }

  /** The bitmap for makeData: undefined when no value is null (Arrow then needs none). */
  nullBitmap(): Uint8Array | undefined {
    return this.nullCount === 0 ? undefined : this.bits.subarray(0, (this.length + 7) >> 3);
  }

  private grow(): void {
    const grown = new Uint8Array(this.bits.length * 2);
    grown.set(this.bits);
    this.bits = grown;
  }
}
