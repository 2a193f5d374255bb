const BLOCK_SHIFT = 6;
const BLOCK_SIZE = 1 << BLOCK_SHIFT;

/**
 * Archived flags by contact index (and the deleted flags of gifts, by gift index), with per-block counts of live (non-archived) contacts and a lazily
 * rebuilt prefix sum over blocks. Counting live contacts in an index interval, or finding the n-th
 * live one, costs O(log(n / 64) + 64) instead of a scan.
 */
export class ArchivedIndex {
  private flags: Uint8Array;
  private blockLive: Int32Array;
  /** liveBeforeBlock[b] = live contacts in blocks 0..b-1; valid only while `prefixValid`. */
  private liveBeforeBlock = new Int32Array(1);
  private prefixValid = false;
  private size: number;

  constructor(size: number, isInitiallyArchived: (index: number) => boolean) {
    this.size = size;
    this.flags = new Uint8Array(Math.max(size, BLOCK_SIZE));
    this.blockLive = new Int32Array(blockCount(this.flags.length));
    for (let index = 0; index < size; index++) {
      if (isInitiallyArchived(index)) this.flags[index] = 1;
      else this.blockLive[index >> BLOCK_SHIFT]!++;
    }
  }

  get length(): number {
    return this.size;
  }

  isArchived(index: number): boolean {
    return this.flags[index] === 1;
  }

  setArchived(index: number, archived: boolean): void {
    if (index < 0 || index >= this.size || this.isArchived(index) === archived) return;
    this.flags[index] = archived ? 1 : 0;
    this.blockLive[index >> BLOCK_SHIFT]! += archived ? -1 : 1;
    this.prefixValid = false;
  }

  /** Adds `count` live entries at the end. */
  appendLive(count: number): void {
    this.ensureCapacity(this.size + count);
    for (let index = this.size; index < this.size + count; index++) this.blockLive[index >> BLOCK_SHIFT]!++;
    this.size += count;
    this.prefixValid = false;
  }

  /** Live entries with index < `end`. */
  liveBefore(end: number): number {
    const prefix = this.prefix();
    const block = end >> BLOCK_SHIFT;
    let live = prefix[block]!;
    for (let index = block << BLOCK_SHIFT; index < end; index++) if (this.flags[index] === 0) live++;
    return live;
  }

  liveIn(start: number, end: number): number {
    return end <= start ? 0 : this.liveBefore(end) - this.liveBefore(start);
  }

  /** Index of the live entry of the given 0-based rank; -1 if there are not that many. */
  selectLive(rank: number): number {
    const prefix = this.prefix();
    const blocks = blockCount(this.size);
    if (rank < 0 || rank >= prefix[blocks]!) return -1;
    let low = 0;
    let high = blocks - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (prefix[middle]! <= rank) low = middle;
      else high = middle - 1;
    }
    let remaining = rank - prefix[low]!;
    for (let index = low << BLOCK_SHIFT; index < this.size; index++) {
      if (this.flags[index] === 0 && remaining-- === 0) return index;
    }
    return -1;
  }

  private prefix(): Int32Array {
    if (!this.prefixValid) {
      const blocks = blockCount(this.size);
      if (this.liveBeforeBlock.length < blocks + 1) this.liveBeforeBlock = new Int32Array(blockCount(this.flags.length) + 1);
      let running = 0;
      for (let block = 0; block < blocks; block++) {
        this.liveBeforeBlock[block] = running;
        running += this.blockLive[block]!;
      }
      this.liveBeforeBlock[blocks] = running;
      this.prefixValid = true;
    }
    return this.liveBeforeBlock;
  }

  private ensureCapacity(needed: number): void {
    if (needed <= this.flags.length) return;
    const capacity = Math.max(needed, this.flags.length * 2);
    const flags = new Uint8Array(capacity);
    flags.set(this.flags);
    this.flags = flags;
    const blockLive = new Int32Array(blockCount(capacity));
    blockLive.set(this.blockLive);
    this.blockLive = blockLive;
  }
}

function blockCount(size: number): number {
  return Math.ceil(size / BLOCK_SIZE);
}
