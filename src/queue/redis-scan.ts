import type { Redis } from 'ioredis';
import { scanNodes } from './redis-connection.js';

/** Every key matching `pattern`, from every master of a Cluster (a SCAN reaches one node). */
export async function scanKeys(redis: Redis, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  for (const node of await scanNodes(redis)) {
    let cursor = '0';
    do {
      const [next, found] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      keys.push(...found);
    } while (cursor !== '0');
  }
  return keys.sort();
}

/** Escapes Redis glob characters, so a prefix like `{bulk-export}` matches only itself. */
export function escapeGlob(text: string): string {
  return text.replace(/[\\*?[\]]/g, (character) => `\\${character}`);
}
