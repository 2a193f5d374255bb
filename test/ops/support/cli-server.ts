import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { CLI } from '../../support/cli-process.js';

export interface CliServer {
  child: ChildProcess;
  /** The first URL the process printed (e.g. `board listening on http://127.0.0.1:PORT/`). */
  url: string;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts a long-running `bulk-export ARGS` (board, worker with metrics, ...) and resolves once its
 * stdout or stderr matched `ready`, whose first group is taken as the URL.
 */
export async function startCliServer(args: string[], env: NodeJS.ProcessEnv, ready: RegExp): Promise<CliServer> {
  const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = ready.exec(output);
      if (match) resolve(match[1] ?? '');
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('close', (code) => reject(new Error(`bulk-export ${args.join(' ')} exited with ${code} before it was ready:\n${output}`)));
  });
  return {
    child,
    url,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'close');
    },
  };
}

/** Starts `bulk-export worker` with `/metrics` on a free loopback port; resolves with the metrics URL. */
export function startMeteredWorker(env: NodeJS.ProcessEnv, concurrency = 2): Promise<CliServer> {
  return startCliServer(
    ['worker', '--concurrency', String(concurrency), '--metrics-port', '0'],
    { LOG_LEVEL: 'info', ...env },
    /"metricsUrl":"(http:\/\/[^"]+)"[\s\S]*"worker ready"/,
  );
}

/** Starts `bulk-export board ARGS` on a free port; resolves with its URL. */
export function startBoard(env: NodeJS.ProcessEnv, args: string[] = []): Promise<CliServer> {
  return startCliServer(['board', '--port', '0', ...args], env, /board listening on (http:\/\/\S+\/)/);
}

/** Parses Prometheus text into `name{labels}` -> value (labels as printed, sorted by prom-client). */
export function parseMetrics(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    values.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return values;
}

/** The sum of a metric over all its label sets, optionally only those whose labels contain `filter`. */
export function sumMetric(values: Map<string, number>, name: string, filter = ''): number {
  let sum = 0;
  for (const [key, value] of values) {
    if ((key === name || key.startsWith(`${name}{`)) && key.includes(filter)) sum += value;
  }
  return sum;
}
