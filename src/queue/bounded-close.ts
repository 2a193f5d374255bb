/**
 * How long a process waits for BullMQ's workers and event streams to close, and then again for its last
 * Redis writes and QUITs. Closing waits for each blocking connection to end, and one left reconnecting by a
 * Redis restart or a Cluster failover may never end (BullMQ issues 4656, 4585): the process goes on without
 * it, disconnecting what did not end, rather than hang until someone kills it.
 */
export const CLOSE_GRACE_MS = 10_000;

/** The names of the closes not settled within `ms` (each close's failure counts as settled). */
export async function stillOpenAfter(closing: ReadonlyMap<string, Promise<unknown>>, ms: number = CLOSE_GRACE_MS): Promise<string[]> {
  const open = new Set(closing.keys());
  const settled = Promise.all([...closing].map(([name, close]) => close.catch(() => undefined).then(() => open.delete(name))));
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([settled, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
  return [...open];
}
