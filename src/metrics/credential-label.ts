import { createHmac, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * The `credential` label of the fleet's budget metrics: a keyed hash of the credential's fingerprint,
 * so that whoever reads /metrics cannot test a guessed token against it (an unkeyed hash would let
 * them). The key is random, made once per Redis and queue prefix and kept there, so every process
 * serving metrics labels a credential alike; losing it only renames the label.
 */
export class CredentialLabels {
  private key: Promise<Buffer> | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async labelOf(fingerprint: string): Promise<string> {
    this.key ??= this.readKey();
    const key = await this.key.catch((error: unknown) => {
      this.key = undefined;
      throw error;
    });
    return createHmac('sha256', key).update(fingerprint).digest('hex').slice(0, 16);
  }

  private async readKey(): Promise<Buffer> {
    const name = `${this.prefix}:metrics:label-key`;
    await this.redis.set(name, randomBytes(32).toString('hex'), 'NX');
    const stored = await this.redis.get(name);
    if (!stored) throw new Error(`Redis lost ${name} just after it was written`);
    return Buffer.from(stored, 'hex');
  }
}
