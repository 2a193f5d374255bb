import { ValidityBitmap } from './validity-bitmap.js';

/** Strings at least this long are encoded by TextEncoder; shorter ones are cheaper to encode in JS. */
const NATIVE_ENCODE_MIN_LENGTH = 64;
const MAX_UTF8_COLUMN_BYTES = 0x7fff_ffff;
const textEncoder = new TextEncoder();

/**
 * The offsets, bytes and validity of a growing Arrow Utf8 column: every string is UTF-8 encoded
 * once, straight into one shared byte buffer.
 */
export class Utf8ColumnWriter {
  readonly validity: ValidityBitmap;
  private offsets: Int32Array;
  private bytes: Uint8Array;
  private byteLength = 0;

  constructor(capacity: number) {
    this.validity = new ValidityBitmap(capacity);
    this.offsets = new Int32Array(Math.max(8, capacity + 1));
    this.bytes = new Uint8Array(Math.max(256, capacity * 16));
  }

  get length(): number {
    return this.validity.length;
  }

  appendNull(): void {
    this.validity.appendNull();
    this.setEndOffset();
  }

  appendString(text: string): void {
    const maxBytes = text.length * 3;
    if (this.byteLength + maxBytes > this.bytes.length) this.growBytes(this.byteLength + maxBytes);
    this.byteLength =
      text.length >= NATIVE_ENCODE_MIN_LENGTH
        ? this.byteLength + textEncoder.encodeInto(text, this.bytes.subarray(this.byteLength)).written
        : encodeShortUtf8(text, this.bytes, this.byteLength);
    this.validity.appendValid();
    this.setEndOffset();
  }

  /** Appends a string already UTF-8 encoded (a value repeated on every row is encoded once). */
  appendBytes(utf8: Uint8Array): void {
    if (this.byteLength + utf8.length > this.bytes.length) this.growBytes(this.byteLength + utf8.length);
    this.bytes.set(utf8, this.byteLength);
    this.byteLength += utf8.length;
    this.validity.appendValid();
    this.setEndOffset();
  }

  valueOffsets(): Int32Array {
    return this.offsets.subarray(0, this.length + 1);
  }

  /** The value bytes (a view over the used part of the buffer). */
  valueBytes(): Uint8Array {
    return this.bytes.subarray(0, this.byteLength);
  }

  private setEndOffset(): void {
    const end = this.validity.length;
    if (end >= this.offsets.length) {
      const grown = new Int32Array(this.offsets.length * 2);
      grown.set(this.offsets);
      this.offsets = grown;
    }
    this.offsets[end] = this.byteLength;
  }

  private growBytes(minimum: number): void {
    if (minimum > MAX_UTF8_COLUMN_BYTES) {
      throw new RangeError('a Utf8 column of one record batch exceeds 2 GiB; use smaller record batches');
    }
    const grown = new Uint8Array(Math.min(MAX_UTF8_COLUMN_BYTES, Math.max(minimum, this.bytes.length * 2)));
    grown.set(this.bytes.subarray(0, this.byteLength));
    this.bytes = grown;
  }
}

/** UTF-8 encodes `text` at `at` (room for 3 bytes per UTF-16 unit is ensured) and returns the end. */
function encodeShortUtf8(text: string, bytes: Uint8Array, at: number): number {
  let position = at;
  const length = text.length;
  for (let index = 0; index < length; index++) {
    let code = text.charCodeAt(index);
    if (code < 0x80) {
      bytes[position++] = code;
    } else if (code < 0x800) {
      bytes[position++] = 0xc0 | (code >> 6);
      bytes[position++] = 0x80 | (code & 0x3f);
    } else {
      if (code >= 0xd800 && code <= 0xdfff) {
        const next = index + 1 < length ? text.charCodeAt(index + 1) : 0;
        if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          code = 0x10000 + ((code - 0xd800) << 10) + (next - 0xdc00);
          index++;
          bytes[position++] = 0xf0 | (code >> 18);
          bytes[position++] = 0x80 | ((code >> 12) & 0x3f);
          bytes[position++] = 0x80 | ((code >> 6) & 0x3f);
          bytes[position++] = 0x80 | (code & 0x3f);
          continue;
        }
        code = 0xfffd; // a lone surrogate, replaced as TextEncoder does
      }
      bytes[position++] = 0xe0 | (code >> 12);
      bytes[position++] = 0x80 | ((code >> 6) & 0x3f);
      bytes[position++] = 0x80 | (code & 0x3f);
    }
  }
  return position;
}
