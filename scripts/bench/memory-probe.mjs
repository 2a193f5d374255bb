// Preloaded into a bench worker (`node --import` through NODE_OPTIONS, so it runs in the main thread and in
// every worker thread, the Parquet encoding thread too): samples process.memoryUsage() every 100 ms, and
// the WebAssembly memory of parquet-wasm once the thread has loaded it, into
// $BENCH_MEMORY_DIR/<pid>-<thread>.json. Plain JavaScript, because the worker runs compiled code without
// tsx (loading tsx would itself cost memory).
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { isMainThread, threadId } from 'node:worker_threads';

const directory = process.env.BENCH_MEMORY_DIR;
if (directory) {
  const require = createRequire(import.meta.url);
  let parquetWasmPath;
  try {
    parquetWasmPath = require.resolve('parquet-wasm/node');
  } catch {
    parquetWasmPath = undefined;
  }
  const file = join(directory, `${process.pid}-${threadId}.json`);
  const samples = [];
  const sample = () => {
    const usage = process.memoryUsage();
    // Only read the module if this thread loaded it already: requiring it here would instantiate it.
    const parquetWasm = parquetWasmPath ? require.cache[parquetWasmPath]?.exports : undefined;
    const wasm = parquetWasm?.wasmMemory ? parquetWasm.wasmMemory().buffer.byteLength : 0;
    samples.push([Date.now(), usage.rss, usage.heapTotal, usage.heapUsed, usage.external, usage.arrayBuffers, wasm]);
  };
  const save = () => {
    try {
      writeFileSync(file, JSON.stringify({ pid: process.pid, thread: threadId, main: isMainThread, samples }));
    } catch {
      // The folder is gone (the bench finished): nothing to keep.
    }
  };
  sample();
  const sampler = setInterval(sample, 100);
  const saver = setInterval(save, 1000);
  sampler.unref();
  saver.unref();
  process.on('exit', () => {
    sample();
    save();
  });
}
