// Entry of the thread that encodes Parquet parts, so a part's CPU-heavy encoding never blocks the
// worker's event loop (and with it BullMQ's lock renewal).
import { parentPort } from 'node:worker_threads';
import { encodeParquet } from '../parquet/parquet-encoder.js';
import type { EncodeRequest, EncodeResponse } from './encode-messages.js';

parentPort!.on('message', (request: EncodeRequest) => {
  let response: EncodeResponse;
  try {
    const bytes = encodeParquet(request.rows, request.schema);
    response = { id: request.id, bytes };
    parentPort!.postMessage(response, [bytes.buffer as ArrayBuffer]);
  } catch (error) {
    response = { id: request.id, error: error instanceof Error ? error.message : String(error) };
    parentPort!.postMessage(response);
  }
});
