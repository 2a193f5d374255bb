// Runs page-loop.ts (the JSON.parse floor or the naive loop) as a process of its own.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { PageLoopRequest, PageLoopResult } from './page-loop.js';

const ENTRY = fileURLToPath(new URL('./page-loop.ts', import.meta.url));

export async function runPageLoop(request: PageLoopRequest): Promise<PageLoopResult> {
  const child = fork(ENTRY, [JSON.stringify(request)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = once(child, 'exit');
  const [message] = (await Promise.race([
    once(child, 'message'),
    exited.then(([code]) => {
      throw new Error(`${request.mode} loop exited with ${code} before reporting`);
    }),
  ])) as [{ ok: boolean; result?: PageLoopResult; error?: string }];
  await exited;
  if (!message.ok) throw new Error(`${request.mode} loop failed: ${message.error}`);
  return message.result!;
}
