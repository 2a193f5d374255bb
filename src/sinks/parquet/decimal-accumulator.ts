import { makeData } from 'apache-arrow';
import type { Data, Decimal } from 'apache-arrow';
import { refused, type ColumnAccumulator } from './column-accumulator.js';
import { ValidityBitmap } from './validity-bitmap.js';

const TWO_POW_32 = 4_294_967_296;
/** Unscaled values of at most this many digits are exact in a double; longer ones are computed as bigints. */
const MAX_SAFE_DIGITS = 15;
const SPACE = 32;
const DOLLAR = 36;
const OPEN_PARENTHESIS = 40;
const CLOSE_PARENTHESIS = 41;
const PLUS = 43;
const COMMA = 44;
const MINUS = 45;
const DOT = 46;
const DIGIT_0 = 48;
const DIGIT_9 = 57;

/**
 * Exact decimals (Arrow Decimal128) from numbers and money text (see `parseDecimalUnscaled`); anything
 * else is null. Each value is written as its unscaled integer, in the four little-endian 32-bit words of
 * a two's-complement 128-bit integer.
 */
export class DecimalAccumulator implements ColumnAccumulator {
  private readonly validity: ValidityBitmap;
  private readonly precision: number;
  private readonly scale: number;
  private words: Int32Array;

  constructor(
    private readonly type: Decimal,
    capacity: number,
  ) {
    this.validity = new ValidityBitmap(capacity);
    this.precision = type.precision;
    this.scale = type.scale;
    this.words = new Int32Array(Math.max(8, capacity) * 4);
  }

  append(value: unknown): unknown {
    const unscaled = parseDecimalUnscaled(value, this.precision, this.scale);
    if (unscaled === null) return refused(this.validity, value);
    const index = this.validity.length;
    if (index * 4 >= this.words.length) this.grow(index);
    const at = index * 4;
    if (typeof unscaled === 'number') {
      const high = Math.floor(unscaled / TWO_POW_32);
      const extension = high < 0 ? -1 : 0;
      this.words[at] = unscaled - high * TWO_POW_32;
      this.words[at + 1] = high;
      this.words[at + 2] = extension;
      this.words[at + 3] = extension;
    } else {
      const halves = new BigInt64Array(this.words.buffer, at * 4, 2);
      halves[0] = unscaled;
      halves[1] = unscaled < 0n ? -1n : 0n;
    }
    this.validity.appendValid();
    return undefined;
  }

  finish(): Data<Decimal> {
    const { length, nullCount } = this.validity;
    if (length * 4 > this.words.length) this.grow(length);
    return makeData({
      type: this.type,
      length,
      nullCount,
      nullBitmap: this.validity.nullBitmap(),
      data: new Uint32Array(this.words.buffer, 0, length * 4),
    });
  }

  private grow(index: number): void {
    const grown = new Int32Array(Math.max((index + 1) * 4, this.words.length * 2));
    grown.set(this.words);
    this.words = grown;
  }
}

/**
 * The unscaled value (the amount times 10^scale) of a finite number or of money text, or null. Money
 * text is, between optional spaces: a sign and a dollar sign in either order, each optional (`$1,200`,
 * `-$5.00`, `$-5.00`), or the amount in parentheses (`($5.00)`, accounting's negative); then digits,
 * optionally grouped by thousands separators (`1,200,000`), and optional fractional digits: at most
 * `scale` of them, or more when the extra ones are zeros. At most `precision - scale` integer digits
 * (leading zeros aside). Anything else (`""`, `"Unavailable"`, `"€5"`, `"1.200,50"`, `"1e3"`) is null.
 */
export function parseDecimalUnscaled(value: unknown, precision: number, scale: number): number | bigint | null {
  if (typeof value === 'string') return parseMoneyText(value, precision, scale);
  if (typeof value === 'number' && Number.isFinite(value)) return parseMoneyText(String(value), precision, scale);
  return null;
}

function parseMoneyText(text: string, precision: number, scale: number): number | bigint | null {
  let start = 0;
  let end = text.length;
  while (start < end && text.charCodeAt(start) === SPACE) start++;
  while (end > start && text.charCodeAt(end - 1) === SPACE) end--;
  let negative = false;
  const parenthesised = start < end && text.charCodeAt(start) === OPEN_PARENTHESIS;
  if (parenthesised) {
    if (text.charCodeAt(end - 1) !== CLOSE_PARENTHESIS) return null;
    negative = true;
    start++;
    end--;
  }
  let sawSign = parenthesised;
  let sawDollar = false;
  while (start < end) {
    const code = text.charCodeAt(start);
    if (code === DOLLAR && !sawDollar) sawDollar = true;
    else if ((code === MINUS || code === PLUS) && !sawSign) {
      sawSign = true;
      negative = code === MINUS;
    } else break;
    start++;
  }

  let position = start;
  let unscaled = 0;
  let integerDigits = 0;
  let significantDigits = 0;
  let groupLength = 0;
  let grouped = false;
  for (; position < end; position++) {
    const code = text.charCodeAt(position);
    if (code >= DIGIT_0 && code <= DIGIT_9) {
      integerDigits++;
      groupLength++;
      if (significantDigits > 0 || code !== DIGIT_0) {
        significantDigits++;
        unscaled = unscaled * 10 + (code - DIGIT_0);
      }
    } else if (code === COMMA) {
      if (groupLength === 0 || groupLength > 3 || (grouped && groupLength !== 3)) return null;
      grouped = true;
      groupLength = 0;
    } else break;
  }
  if (grouped && groupLength !== 3) return null;
  const integerEnd = position;
  const fractionStart = position + 1;
  let fractionDigits = 0;
  if (position < end && text.charCodeAt(position) === DOT) {
    for (position = fractionStart; position < end; position++) {
      const code = text.charCodeAt(position);
      if (code < DIGIT_0 || code > DIGIT_9) break;
      if (fractionDigits < scale) unscaled = unscaled * 10 + (code - DIGIT_0);
      else if (code !== DIGIT_0) return null;
      fractionDigits++;
    }
    if (fractionDigits === 0) return null;
  }
  if (position !== end || integerDigits + fractionDigits === 0) return null;
  if (significantDigits > precision - scale) return null;
  for (let digit = Math.min(fractionDigits, scale); digit < scale; digit++) unscaled *= 10;
  if (significantDigits + scale > MAX_SAFE_DIGITS) {
    const fraction = fractionDigits === 0 ? '' : text.slice(fractionStart, fractionStart + Math.min(fractionDigits, scale));
    const digits = text.slice(start, integerEnd).replaceAll(',', '');
    const big = BigInt(`${digits}${fraction.padEnd(scale, '0')}`);
    return negative ? -big : big;
  }
  return negative && unscaled !== 0 ? -unscaled : unscaled;
}
