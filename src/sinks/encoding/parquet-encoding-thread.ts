// Entry of the thread that writes Parquet parts, so a part's CPU-heavy compression never blocks the
// worker's event loop (and with it BullMQ's lock renewal). It loads parquet-wasm and nothing else.
import { parentPort } from 'node:worker_threads';
import { writeParquetFromIPC } from '../parquet/parquet-writer.js';
import type { EncodeRequest, EncodeResponse } from './encode-messages.js';

parentPort!.on('message', (request: EncodeRequest) => {
  let response: EncodeResponse;
  try {
    const bytes = writeParquetFromIPC(request.ipcStream);
    response = { id: request.id, bytes };
    parentPort!.postMessage(response, [bytes.buffer as ArrayBuffer]);
  } catch (error) {
    response = { id: request.id, error: error instanceof Error ? error.message : String(error) };
    parentPort!.postMessage(response);
  }
});
