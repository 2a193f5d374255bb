import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { PartBuilder, PartEncoder } from '../part-encoder.js';

const gzipAsync = promisify(gzip);

/**
 * One JSON object per line, exactly as the source returned it. Each page becomes bytes as it arrives,
 * so a part's row objects die young instead of living until the part is written; gzip runs on
 * libuv's thread pool.
 */
export class NdjsonEncoder implements PartEncoder {
  readonly extension: string;
  readonly contentType: string;

  constructor(private readonly compress: boolean) {
    this.extension = compress ? 'ndjson.gz' : 'ndjson';
    this.contentType = compress ? 'application/gzip' : 'application/x-ndjson';
  }

  startPart(): PartBuilder {
    const chunks: Buffer[] = [];
    let rows = 0;
    const compress = this.compress;
    return {
      get rows() {
        return rows;
      },
      add(page) {
        let text = '';
        for (const row of page) text += JSON.stringify(row) + '\n';
        chunks.push(Buffer.from(text, 'utf8'));
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

