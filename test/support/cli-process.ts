import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../bin/bulk-export.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `bulk-export ARGS` as its own process, as an operator would. */
export async function runCli(args: string[], env: NodeJS.ProcessEnv, options: { input?: string } = {}): Promise<CliResult> {
  const child = spawn(process.execPath, [CLI, ...args], { env, stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
  if (options.input !== undefined) child.stdin!.end(options.input);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // 'close', not 'exit': at 'exit' the pipes may still hold the end of what the process wrote.
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout, stderr };
}

export interface WorkerProcess {
  child: ChildProcess;
  output(): string;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
}

/** Starts `bulk-export worker` and resolves once it logged that it is ready. */
export async function spawnWorker(env: NodeJS.ProcessEnv, concurrency = 2): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [CLI, 'worker', '--concurrency', String(concurrency)], {
    env: { LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('"worker ready"')) resolve();
    });
    child.once('close', (code) => reject(new Error(`worker exited with ${code} before it was ready:\n${output}`)));
  });
  return {
    child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      // Its output is read after the stop: 'close' comes once the pipe has given all of it.
      await once(child, 'close');
    },
  };
}
