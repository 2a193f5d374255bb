// A single-process page loop over the Virtuous simulator, run as its own process by the benchmark:
//  - floor: fetch each page of 1,000 and JSON.parse it, nothing else (the least any exporter must do);
//  - naive: the Query guide's bulk-export loop (docs/sources/virtuous.md, "Evidence"): one process, `take=1000`, an id cursor, every record
//    appended to one local NDJSON file; 429 waits for Retry-After, a 5xx is retried after a second.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

export interface PageLoopRequest {
  mode: 'floor' | 'naive';
  url: string;
  token: string;
  take: number;
  fullContact?: boolean;
  /** Stop after this long (a latency scenario only samples the loop). */
  maxSeconds?: number;
  /** naive: where the NDJSON goes. */
  outFile?: string;
}

export interface PageLoopResult {
  rows: number;
  requests: number;
  tooMany: number;
  bytes: number;
  wallSeconds: number;
  cpuSeconds: number;
  systemSeconds: number;
  parseSeconds: number;
  peakRssMb: number;
}

function peakRssMb(): number {
  const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) / 1024 : process.memoryUsage().rss / 2 ** 20;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function run(request: PageLoopRequest): Promise<PageLoopResult> {
  const path = request.fullContact ? '/api/Contact/Query/FullContact' : '/api/Contact/Query';
  const out = request.outFile ? createWriteStream(request.outFile) : undefined;
  const deadline = request.maxSeconds ? Date.now() + request.maxSeconds * 1000 : Infinity;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  let parseMs = 0;
  let rows = 0;
  let requests = 0;
  let tooMany = 0;
  let bytes = 0;
  let lastId: number | null = null;
  while (Date.now() < deadline) {
    const conditions = lastId === null ? [] : [{ parameter: 'Contact Id', operator: 'GreaterThan', value: String(lastId) }];
    const response = await fetch(`${request.url}${path}?skip=0&take=${request.take}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${request.token}`, accept: 'application/json', 'content-type': 'application/json' },
      body: JSON.stringify({ groups: conditions.length ? [{ conditions }] : [], sortBy: 'Id', descending: false, includeArchived: true }),
    });
    requests++;
    const text = await response.text();
    if (response.status === 429) {
      tooMany++;
      await sleep(Number(response.headers.get('retry-after') ?? 1) * 1000);
      continue;
    }
    if (response.status >= 500) {
      await sleep(1000);
      continue;
    }
    if (!response.ok) throw new Error(`HTTP ${response.status}: ${text.slice(0, 200)}`);
    bytes += text.length;
    const parseStart = performance.now();
    const page = JSON.parse(text) as { list: { id: number }[]; total: number };
    parseMs += performance.now() - parseStart;
    if (page.list.length === 0) break;
    rows += page.list.length;
    if (out) {
      let chunk = '';
      for (const row of page.list) chunk += JSON.stringify(row) + '\n';
      if (!out.write(chunk)) await once(out, 'drain');
    }
    lastId = page.list.at(-1)!.id;
    if (page.total <= page.list.length) break;
  }
  if (out) {
    out.end();
    await once(out, 'finish');
  }
  const cpu = process.cpuUsage(cpuBefore);
  return {
    rows,
    requests,
    tooMany,
    bytes,
    wallSeconds: (performance.now() - started) / 1000,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    systemSeconds: cpu.system / 1e6,
    parseSeconds: parseMs / 1000,
    peakRssMb: peakRssMb(),
  };
}

const request = JSON.parse(process.argv[2] ?? '{}') as PageLoopRequest;
run(request).then(
  (result) => {
    process.send!({ ok: true, result });
    process.disconnect();
  },
  (error: unknown) => {
    process.send!({ ok: false, error: error instanceof Error ? error.message : String(error) });
    process.disconnect();
  },
);
