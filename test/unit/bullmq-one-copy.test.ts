import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../..', import.meta.url).pathname;
/** An import of the package itself (static or dynamic), spelled so that this file does not match itself. */
const DIRECT_IMPORT = new RegExp(`(from |import\\()'${'bull'}mq'`);

async function typescriptFiles(folder: string): Promise<string[]> {
  const entries = await readdir(join(ROOT, folder), { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile() && entry.name.endsWith('.ts')).map((entry) => relative(ROOT, join(entry.parentPath, entry.name)));
}

describe('BullMQ is loaded once', () => {
  it('every module takes it from src/queue/bullmq.ts, so that its classes are one copy', async () => {
    const files = (await Promise.all(['src', 'test', 'simulators', 'scripts'].map(typescriptFiles))).flat();
    const direct: string[] = [];
    for (const file of files) {
      if (file === 'src/queue/bullmq.ts') continue;
      if (DIRECT_IMPORT.test(await readFile(join(ROOT, file), 'utf8'))) direct.push(file);
    }
    expect(direct).toEqual([]);
  });
});
