import type { CommittedPart } from '../../sinks/manifest.js';

export interface DescribedPart {
  part: CommittedPart;
  /** JSON of the cursor the part started from; undefined for parts written before it was recorded. */
  startCursor: string | undefined;
  /** JSON of the cursor after its last row. */
  endCursor: string;
}

/**
 * The parts of one range to resume after: the longest run of sequences 0, 1, 2, ... in which each part
 * starts where the one before it ended (a new range starts at cursor null). Several attempts may have
 * written the same sequence (a worker that lost its lock and the job's next owner, or an attempt that
 * died before its checkpoint); only parts that continue each other are contiguous, so no row is counted
 * twice or skipped. Each object is described once; equal (sequence, cursor) positions are solved once.
 */
export async function longestPartChain(
  attemptsBySequence: ReadonlyMap<number, readonly string[]>,
  describe: (key: string, sequence: number) => Promise<DescribedPart>,
): Promise<DescribedPart[]> {
  const described = new Map<string, Promise<DescribedPart>>();
  const describeOnce = (key: string, sequence: number) => {
    let part = described.get(key);
    if (!part) described.set(key, (part = describe(key, sequence)));
    return part;
  };
  const solved = new Map<string, Promise<DescribedPart[]>>();
  const longestFrom = (sequence: number, startCursor: string): Promise<DescribedPart[]> => {
    const position = `${sequence} ${startCursor}`;
    let chain = solved.get(position);
    if (!chain) {
      chain = (async () => {
        let best: DescribedPart[] = [];
        for (const key of attemptsBySequence.get(sequence) ?? []) {
          const part = await describeOnce(key, sequence);
          if (part.startCursor !== undefined && part.startCursor !== startCursor) continue;
          const candidate = [part, ...(await longestFrom(sequence + 1, part.endCursor))];
          if (candidate.length > best.length) best = candidate;
        }
        return best;
      })();
      solved.set(position, chain);
    }
    return chain;
  };
  return longestFrom(0, 'null');
}
