/**
 * Stateless, seeded hashing of (index, salt) pairs: the source of every generated value, so that a
 * contact can be rebuilt from its index alone without storing anything.
 */
export class IndexHasher {
  private readonly seedKey: number;
  /** Per-salt keys, derived once, so that each draw costs a single mix. */
  private readonly saltKeys: number[] = [];

  constructor(seed: number) {
    this.seedKey = mix32((seed | 0) ^ 0x5bd1e995);
  }

  /** Uniform unsigned 32-bit value for the pair (salt: a small non-negative integer). */
  u32(index: number, salt: number): number {
    const key = this.saltKeys[salt] ?? this.deriveSaltKey(salt);
    return mix32(key ^ Math.imul(index, 0x9e3779b1));
  }

  /** Uniform in [0, 1). */
  unit(index: number, salt: number): number {
    return this.u32(index, salt) / 4294967296;
  }

  /** Uniform integer in [0, n). */
  below(index: number, salt: number, n: number): number {
    return Math.floor(this.unit(index, salt) * n);
  }

  pick<T>(items: readonly T[], index: number, salt: number): T {
    return items[this.below(index, salt, items.length)]!;
  }

  chance(index: number, salt: number, probability: number): boolean {
    return this.unit(index, salt) < probability;
  }

  private deriveSaltKey(salt: number): number {
    const key = mix32(mix32(this.seedKey ^ Math.imul(salt + 1, 0x85ebca6b)) + 0x27d4eb2f);
    this.saltKeys[salt] = key;
    return key;
  }
}

/** lowbias32 finalizer: a bijection on 32-bit integers with good avalanche. */
export function mix32(value: number): number {
  let h = value | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}
