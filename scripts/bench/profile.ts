// Summarises V8 CPU profiles (`node --cpu-prof`): self time per function, and per package/area.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface SelfTime {
  name: string;
  where: string;
  area: string;
  /** The thread it ran on: main, encoding (Parquet thread), or loader (module hooks thread). */
  thread: string;
  ms: number;
  /** The caller that accounts for most of this self time (native functions are easier to place by it). */
  caller: string;
  callers: Map<string, number>;
}

export interface ProfileSummary {
  files: number;
  totalMs: number;
  /** Sampled ms per profile file (one per thread: main, encoding thread, module-loader threads). */
  threads: { file: string; role: string; ms: number }[];
  functions: SelfTime[];
  areas: { area: string; ms: number }[];
}

/** Which part of the program a script URL belongs to. */
export function areaOf(url: string, functionName: string): string {
  if (!url) {
    if (functionName === '(garbage collector)') return 'GC';
    if (functionName === '(idle)' || functionName === '(program)') return functionName;
    return 'native/builtin';
  }
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1]!;
  if (url.startsWith('node:internal/modules') || url.startsWith('node:internal/deps/cjs-module-lexer')) return 'module loading';
  if (url.startsWith('node:')) return 'node internals';
  const source = /\/(src\/[^/]+(?:\/[^/]+)?)\//.exec(url);
  if (source) return source[1]!;
  if (url.includes('/src/')) return 'src';
  if (url.startsWith('wasm://')) return 'wasm';
  return url
    .replace(/^file:\/\//, '')
    .split('/')
    .slice(-2)
    .join('/');
}

function shortWhere(url: string, line: number): string {
  if (!url) return '';
  const trimmed = url
    .replace(/^file:\/\//, '')
    .replace(/^.*node_modules\//, '')
    .replace(/^.*\/(src|scripts)\//, '$1/');
  // tsx serves our sources transformed, so their line numbers say little: name the file only.
  return /^(src|scripts)\//.test(trimmed) || url.startsWith('wasm://') ? trimmed : `${trimmed}:${line + 1}`;
}

/** Monotonic microseconds, the clock V8 stamps profile samples with (CLOCK_MONOTONIC on Linux). */
export function monotonicMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/**
 * Self time per function over every profile in `directory`, counting only samples taken within
 * `window` (monotonic µs), so process start-up (tsx compiling the sources) can be left out.
 */
export async function summariseProfiles(directory: string, window?: { fromUs: number; toUs: number }, top = 15): Promise<ProfileSummary> {
  const names = (await readdir(directory)).filter((name) => name.endsWith('.cpuprofile')).sort();
  const byFunction = new Map<string, SelfTime>();
  const byArea = new Map<string, number>();
  const threads: { file: string; role: string; ms: number }[] = [];
  let totalMs = 0;
  for (const name of names) {
    const profile = JSON.parse(await readFile(join(directory, name), 'utf8')) as CpuProfile;
    const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
    const parents = new Map<number, ProfileNode>();
    for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node);
    const selfUs = new Map<number, number>();
    let threadUs = 0;
    if (profile.samples && profile.timeDeltas) {
      let at = profile.startTime;
      for (let index = 0; index < profile.samples.length; index++) {
        at += profile.timeDeltas[index] ?? 0;
        if (window && (at < window.fromUs || at > window.toUs)) continue;
        const id = profile.samples[index]!;
        if (nodes.get(id)?.callFrame.functionName === '(idle)') continue;
        // The delta that follows a sample is the time spent in it.
        const delta = Math.max(0, profile.timeDeltas[index + 1] ?? 0);
        selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
        threadUs += delta;
      }
    }
    // CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile: thread 0 is the main thread; of the others,
    // the one running the Parquet encoder is the encoding thread, the rest load modules (tsx hooks).
    const threadId = Number(name.split('.').at(-3));
    let parquetUs = 0;
    for (const [id, us] of selfUs) if (/\/sinks\/parquet\/|^wasm:/.test(nodes.get(id)!.callFrame.url)) parquetUs += us;
    const role = threadId === 0 ? 'main' : parquetUs > threadUs * 0.1 ? 'encoding' : 'loader';
    threads.push({ file: name, role, ms: threadUs / 1000 });
    for (const [id, us] of selfUs) {
      const node = nodes.get(id)!;
      const { functionName, url, lineNumber } = node.callFrame;
      const ms = us / 1000;
      totalMs += ms;
      const label = functionName || '(anonymous)';
      const key = `${label}@${url}:${lineNumber}@${role}`;
      const entry = byFunction.get(key) ?? {
        name: label,
        where: shortWhere(url, lineNumber),
        area: areaOf(url, functionName),
        thread: role,
        ms: 0,
        caller: '',
        callers: new Map<string, number>(),
      };
      entry.ms += ms;
      const parent = parents.get(id);
      if (parent) {
        const callerName =
          `${parent.callFrame.functionName || '(anonymous)'} ${shortWhere(parent.callFrame.url, parent.callFrame.lineNumber)}`.trim();
        entry.callers.set(callerName, (entry.callers.get(callerName) ?? 0) + ms);
      }
      byFunction.set(key, entry);
      byArea.set(entry.area, (byArea.get(entry.area) ?? 0) + ms);
    }
  }
  return {
    files: names.length,
    totalMs,
    threads,
    functions: [...byFunction.values()]
      .sort((a, b) => b.ms - a.ms)
      .slice(0, top)
      .map((entry) => ({
        ...entry,
        caller: [...entry.callers.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? '',
      })),
    areas: [...byArea.entries()]
      .map(([area, ms]) => ({ area, ms }))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 10),
  };
}
