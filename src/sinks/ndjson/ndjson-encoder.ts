import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { SourceRow } from '../../sources/export-source.js';
import type { PartEncoder } from '../part-encoder.js';

const gzipAsync = promisify(gzip);

/** One JSON object per line, exactly as the source returned it; gzip runs on libuv's thread pool. */
export class NdjsonEncoder implements PartEncoder {
  readonly extension: string;
  readonly contentType: string;

  constructor(private readonly compress: boolean) {
    this.extension = compress ? 'ndjson.gz' : 'ndjson';
    this.contentType = compress ? 'application/gzip' : 'application/x-ndjson';
  }

  async encode(rows: readonly SourceRow[]): Promise<Uint8Array> {
    let text = '';
    for (const row of rows) text += JSON.stringify(row) + '\n';
    const bytes = Buffer.from(text, 'utf8');
    return this.compress ? gzipAsync(bytes) : bytes;
  }
}
