import type { IncomingMessage } from 'node:http';

/** Larger request bodies are refused (413) by both simulators. */
export const MAX_BODY_BYTES = 1_000_000;

/** The body as text; undefined when it exceeds MAX_BODY_BYTES; rejects if the client goes away. */
export function readRequestBody(request: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    request.on('end', () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}
