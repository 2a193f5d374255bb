import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { PartBuilder, PartEncoder } from '../part-encoder.js';

const gzipAsync = promisify(gzip);
const NEWLINE = Buffer.from('\n');
const LINE_FEED = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/**
 * One JSON object per line, exactly as the source returned it: the row's own bytes when the source
 * gives them (unless they span lines, as a pretty-printed answer's would), else the row re-serialised.
 * Each page becomes bytes as it arrives, so a part's row objects die young instead of living until the
 * part is written; gzip runs on libuv's thread pool. The lines are the API's records and nothing else:
 * the page context (lineage) is not written, and no key is unknown (every key is kept).
 */
export class NdjsonEncoder implements PartEncoder {
  readonly extension: string;
  readonly contentType: string;

  constructor(private readonly compress: boolean) {
    this.extension = compress ? 'ndjson.gz' : 'ndjson';
    this.contentType = compress ? 'application/gzip' : 'application/x-ndjson';
  }

  startPart(): PartBuilder {
    const chunks: Uint8Array[] = [];
    let rows = 0;
    const compress = this.compress;
    return {
      get rows() {
        return rows;
      },
      unknownFields: [],
      refusedValues: [],
      add(page, rawRows) {
        if (rawRows && rawRows.length === page.length) {
          for (let index = 0; index < page.length; index++) {
            const raw = rawRows[index]!;
            chunks.push(spansLines(raw) ? Buffer.from(JSON.stringify(page[index])) : raw, NEWLINE);
          }
        } else {
          let text = '';
          for (const row of page) text += JSON.stringify(row) + '\n';
          chunks.push(Buffer.from(text, 'utf8'));
        }
        rows += page.length;
      },
      async finish() {
        const bytes = Buffer.concat(chunks);
        chunks.length = 0;
        return compress ? gzipAsync(bytes) : bytes;
      },
    };
  }
}

/** JSON strings cannot hold a raw line break, so one in a row's bytes is whitespace between tokens. */
function spansLines(raw: Uint8Array): boolean {
  return raw.indexOf(LINE_FEED) !== -1 || raw.indexOf(CARRIAGE_RETURN) !== -1;
}
