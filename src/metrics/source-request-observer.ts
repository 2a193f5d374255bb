import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ExportMetrics } from './export-metrics.js';

/** What undici publishes about a request (only the fields used here). */
interface UndiciRequest {
  origin?: string | URL;
}

interface HeadersMessage {
  request: UndiciRequest;
  response: { statusCode: number };
}

interface ErrorMessage {
  request: UndiciRequest;
}

/**
 * Counts the HTTP requests this process sends to source APIs, from the diagnostics channels of
 * Node's fetch (undici): every answer by status (so retried 5xx and 429s are counted too), and every
 * request that got no answer (refused, dropped, timed out) as "error". Only origins registered with
 * `addSource` are counted, so nothing else that uses fetch in the process is mistaken for a source.
 * Observing needs no change to the source client.
 */
export class SourceRequestObserver {
  private readonly sources = new Map<string, string>();
  private readonly onHeaders = (message: unknown) => {
    const { request, response } = message as HeadersMessage;
    const source = this.sourceOf(request);
    if (source) this.metrics.recordSourceResponse(source, response.statusCode);
  };
  private readonly onError = (message: unknown) => {
    const source = this.sourceOf((message as ErrorMessage).request);
    if (source) this.metrics.recordSourceResponse(source, 'error');
  };

  constructor(private readonly metrics: ExportMetrics) {
    subscribe('undici:request:headers', this.onHeaders);
    subscribe('undici:request:error', this.onError);
  }

  /** Requests to `baseUrl`'s origin are counted as requests to `source` (the source's name). */
  addSource(source: string, baseUrl: string): void {
    try {
      this.sources.set(new URL(baseUrl).origin, source);
    } catch {
      // Not a URL: the source client would refuse it anyway.
    }
  }

  close(): void {
    unsubscribe('undici:request:headers', this.onHeaders);
    unsubscribe('undici:request:error', this.onError);
  }

  private sourceOf(request: UndiciRequest | undefined): string | undefined {
    if (!request?.origin) return undefined;
    const origin = typeof request.origin === 'string' ? request.origin : request.origin.origin;
    return this.sources.get(origin) ?? this.sources.get(safeOrigin(origin));
  }
}

function safeOrigin(text: string): string {
  try {
    return new URL(text).origin;
  } catch {
    return text;
  }
}
