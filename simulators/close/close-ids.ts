import type { IndexHasher } from '../virtuous/index-hasher.js';

/** Base62 in ASCII order, so that string comparison of encoded values follows their numeric order. */
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const BASE = ALPHABET.length;
/** Close ids are a prefix (`cont_`, `lead_`, ...) and 43 characters of [A-Za-z0-9]. */
export const CLOSE_ID_BODY_LENGTH = 43;
/** The first characters of the body carry the order key; 62^6 > 2^32, so six are enough. */
const ORDER_CHARS = 6;
const ORDER_SCALE = BASE ** ORDER_CHARS / 2 ** 32;
/** Random characters after the order key: 8 draws of 5 characters each cover the remaining 37. */
const BODY_DRAWS = 8;
const GOLDEN = 0x9e3779b1;
const GOLDEN_INVERSE = inverseOdd(GOLDEN);
const MIX_FIRST_INVERSE = inverseOdd(0x7feb352d);
const MIX_SECOND_INVERSE = inverseOdd(0x846ca68b);
const BODY = /^[0-9A-Za-z]{43}$/;
const ALPHABET_CODES = Array.from(ALPHABET, (char) => char.charCodeAt(0));
/** Scratch buffer for building id bodies. */
const ID_CODES = new Array<number>(CLOSE_ID_BODY_LENGTH).fill(0);

/** Salts an id factory occupies: `firstSalt` for the order key and the following BODY_DRAWS for the rest. */
export const ID_SALT_SPAN = 1 + BODY_DRAWS;

/**
 * Deterministic Close-style ids for objects numbered 0, 1, 2, ...
 *
 * The 32-bit order key of object `index` is `IndexHasher.u32(index, firstSalt)`, a bijection of the
 * index; it is encoded monotonically in the first six characters, so
 * - ids are unique, and comparing two ids as strings compares their order keys (ties by id are
 *   resolved on numbers, never on strings), and
 * - an id maps back to its index in O(1), without a lookup table.
 */
export class CloseIdFactory {
  private readonly saltKey: number;

  constructor(
    private readonly hasher: IndexHasher,
    readonly prefix: string,
    private readonly firstSalt: number,
  ) {
    // u32(0, salt) = mix32(saltKey ^ 0), so the salt key can be recovered from one draw.
    this.saltKey = unmix32(hasher.u32(0, firstSalt));
  }

  orderKey(index: number): number {
    return this.hasher.u32(index, this.firstSalt);
  }

  idAt(index: number): string {
    const codes = ID_CODES;
    let value = orderValue(this.orderKey(index));
    for (let k = ORDER_CHARS - 1; k >= 0; k--) {
      codes[k] = ALPHABET_CODES[value % BASE]!;
      value = Math.floor(value / BASE);
    }
    let position = ORDER_CHARS;
    for (let draw = 0; position < CLOSE_ID_BODY_LENGTH; draw++) {
      let random = this.hasher.u32(index, this.firstSalt + 1 + draw);
      for (let k = 0; k < 5 && position < CLOSE_ID_BODY_LENGTH; k++) {
        codes[position++] = ALPHABET_CODES[random % BASE]!;
        random = Math.floor(random / BASE);
      }
    }
    return this.prefix + String.fromCharCode.apply(null, codes as unknown as number[]);
  }

  /** The index whose id this is (not bounded by any count: callers check), or -1. */
  indexOf(id: string): number {
    if (typeof id !== 'string' || !id.startsWith(this.prefix)) return -1;
    const body = id.slice(this.prefix.length);
    if (!BODY.test(body)) return -1;
    const encoded = decodeBase62(body.slice(0, ORDER_CHARS));
    const estimate = Math.floor(encoded / ORDER_SCALE);
    for (const key of [estimate, estimate + 1, estimate - 1]) {
      if (key < 0 || key > 0xffffffff || orderValue(key) !== encoded) continue;
      const index = Math.imul(unmix32(key) ^ this.saltKey, GOLDEN_INVERSE) >>> 0;
      return this.idAt(index) === id ? index : -1;
    }
    return -1;
  }
}

function orderValue(key: number): number {
  return Math.floor(key * ORDER_SCALE);
}

function decodeBase62(text: string): number {
  let value = 0;
  for (const char of text) value = value * BASE + ALPHABET.indexOf(char);
  return value;
}

/** Inverse of `mix32` (lowbias32): undoes each xorshift and multiplication in reverse order. */
export function unmix32(value: number): number {
  let h = value | 0;
  h ^= h >>> 16;
  h = Math.imul(h, MIX_SECOND_INVERSE);
  h ^= (h >>> 15) ^ (h >>> 30);
  h = Math.imul(h, MIX_FIRST_INVERSE);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Multiplicative inverse of an odd number modulo 2^32 (Newton's iteration). */
function inverseOdd(value: number): number {
  let inverse = value;
  for (let k = 0; k < 5; k++) inverse = Math.imul(inverse, 2 - Math.imul(value, inverse));
  return inverse >>> 0;
}
