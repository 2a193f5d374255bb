import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A `redis-server` (or sentinel) child process of one test, in a folder of its own. */
export interface RedisServerProcess {
  process: ChildProcess;
  directory: string;
  /** Everything it logged so far. */
  output(): string;
  /** SIGTERM, waits for the exit, removes the folder. */
  close(): Promise<void>;
}

export interface RedisServerOptions {
  /** What its log says once it serves; by default that it accepts connections (a sentinel says `+monitor master`). */
  ready?: string;
  /** Files written into its folder first (a sentinel's configuration file, which it rewrites). */
  files?: Record<string, string>;
  timeoutMs?: number;
}

/**
 * Starts `redis-server ARGS` (ARGS may begin with a config file) in a new temporary folder, which is its
 * working directory and `{dir}` in ARGS, and resolves once its log says it is ready: no polling, no sleeping.
 */
export async function startRedisServer(args: string[], options: RedisServerOptions = {}): Promise<RedisServerProcess> {
  const { ready = 'Ready to accept connections', timeoutMs = 10_000 } = options;
  const directory = await mkdtemp(join(tmpdir(), 'bulk-export-redis-'));
  for (const [name, text] of Object.entries(options.files ?? {})) await writeFile(join(directory, name), text);
  const child = spawn(
    'redis-server',
    args.map((arg) => arg.replaceAll('{dir}', directory)),
    { cwd: directory, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`redis-server ${args.join(' ')} not ready within ${timeoutMs} ms:\n${output.slice(-1000)}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(ready)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server ${args.join(' ')} exited with ${code}:\n${output.slice(-1000)}`));
    });
  });
  return {
    process: child,
    directory,
    output: () => output,
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
      await rm(directory, { recursive: true, force: true });
    },
  };
}
