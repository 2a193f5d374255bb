const TWO_POW_32 = 4_294_967_296;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const MAX_SAFE_DIGITS = 15;

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw new Error('Int64Slots writes little-endian words; this platform is big-endian');
}

/**
 * A growing BigInt64Array filled without creating a BigInt per value: safe integers (every id and
 * every epoch-millisecond timestamp) are written as their two 32-bit halves.
 */
export class Int64Slots {
  private values: BigInt64Array;
  private words: Int32Array;

  constructor(capacity: number) {
    this.values = new BigInt64Array(Math.max(8, capacity));
    this.words = new Int32Array(this.values.buffer);
  }

  /** Index `index` is set to 0 when it is left unwritten (a null). */
  setSafeInteger(index: number, value: number): void {
    if (index >= this.values.length) this.grow(index);
    const high = Math.floor(value / TWO_POW_32);
    this.words[index * 2] = value - high * TWO_POW_32;
    this.words[index * 2 + 1] = high;
  }

  setBigInt(index: number, value: bigint): void {
    if (index >= this.values.length) this.grow(index);
    this.values[index] = value;
  }

  /** The first `length` values (a view, not a copy). */
  view(length: number): BigInt64Array {
    if (length > this.values.length) this.grow(length - 1);
    return this.values.subarray(0, length);
  }

  private grow(index: number): void {
    const grown = new BigInt64Array(Math.max(index + 1, this.values.length * 2));
    grown.set(this.values);
    this.values = grown;
    this.words = new Int32Array(grown.buffer);
  }
}

/**
 * An int64 from a number or a decimal string such as "-42" (no spaces, exponents or fractions):
 * a number when it is safe, a bigint beyond that, null when it is not an int64.
 */
export function toInt64(value: unknown): number | bigint | null {
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value)) return value;
    return Number.isInteger(value) ? inInt64Range(BigInt(value)) : null;
  }
  if (typeof value === 'string') return parseInt64String(value);
  if (typeof value === 'bigint') return inInt64Range(value);
  return null;
}

function parseInt64String(text: string): number | bigint | null {
  const length = text.length;
  const signLength = text.charCodeAt(0) === 45 /* - */ || text.charCodeAt(0) === 43 /* + */ ? 1 : 0;
  if (length === signLength) return null;
  for (let index = signLength; index < length; index++) {
    const code = text.charCodeAt(index);
    if (code < 48 || code > 57) return null;
  }
  if (length - signLength <= MAX_SAFE_DIGITS) return Number(text);
  return inInt64Range(BigInt(text));
}

function inInt64Range(value: bigint): bigint | null {
  return value >= INT64_MIN && value <= INT64_MAX ? value : null;
}
