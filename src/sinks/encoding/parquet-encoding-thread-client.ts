import { Worker } from 'node:worker_threads';
import type { EncodeRequest, EncodeResponse } from './encode-messages.js';

interface Pending {
  resolve(bytes: Uint8Array): void;
  reject(error: Error): void;
}

/**
 * One encoding thread per process, started on first use and not keeping the process alive.
 * Requests are answered in order; a crashed thread fails what it had and is replaced on next use.
 */
export class ParquetEncodingThreadClient {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;

  /** Writes an Arrow IPC stream as Parquet; the stream's buffer is transferred to the thread (unusable here afterwards). */
  writeParquet(ipcStream: Uint8Array): Promise<Uint8Array> {
    const worker = this.worker ?? this.start();
    const id = this.nextId++;
    return new Promise<Uint8Array>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // Transferring moves the whole ArrayBuffer, so a view over part of a larger one is copied first.
      const owned = ipcStream.byteLength === ipcStream.buffer.byteLength ? ipcStream : ipcStream.slice();
      const request: EncodeRequest = { id, ipcStream: owned };
      worker.postMessage(request, [owned.buffer as ArrayBuffer]);
      worker.ref();
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private start(): Worker {
    const worker = startModuleThread(new URL('./parquet-encoding-thread' + extensionOf(import.meta.url), import.meta.url));
    worker.unref();
    worker.on('message', (response: EncodeResponse) => {
      const pending = this.pending.get(response.id);
      this.pending.delete(response.id);
      if (this.pending.size === 0) worker.unref();
      if (!pending) return;
      if (response.error !== undefined) pending.reject(new Error(`Parquet encoding failed: ${response.error}`));
      else pending.resolve(response.bytes);
    });
    const failAll = (error: Error) => {
      if (this.worker === worker) this.worker = undefined;
      for (const pending of this.pending.values()) pending.reject(error);
      this.pending.clear();
    };
    worker.on('error', failAll);
    worker.on('exit', (code) => failAll(new Error(`Parquet encoding thread exited with code ${code}`)));
    this.worker = worker;
    return worker;
  }
}

function extensionOf(url: string): string {
  return url.endsWith('.ts') ? '.ts' : '.js';
}

/** Starts a thread on a module; TypeScript sources (run through tsx) need tsx registered inside the thread too. */
function startModuleThread(moduleUrl: URL): Worker {
  if (!moduleUrl.pathname.endsWith('.ts')) return new Worker(moduleUrl);
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const code = `import(${JSON.stringify(tsxApi)}).then(({ register }) => { register(); return import(${JSON.stringify(moduleUrl.href)}); })`;
  return new Worker(code, { eval: true });
}

export const parquetEncodingThread = new ParquetEncodingThreadClient();
