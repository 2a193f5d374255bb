// Entry of the thread that writes Parquet parts, so a part's CPU-heavy compression never blocks the
// worker's event loop (and with it BullMQ's lock renewal). It loads parquet-wasm and nothing else.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parentPort } from 'node:worker_threads';
import { writeParquetFromIPC } from '../parquet/parquet-writer.js';
import type { EncodeRequest, EncodeResponse } from './encode-messages.js';

// A part's Arrow IPC input and its Parquet output are tens of MB outside this thread's small heap, which
// V8 collects only once much more such memory is held: a collection after each part (a few ms on a heap
// of about 10 MB) keeps the thread at one part's memory. `gc` is exposed to a fresh context only.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

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
  collectGarbage();
});
