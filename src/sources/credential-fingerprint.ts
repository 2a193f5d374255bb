import { createHash } from 'node:crypto';

/** A short, one-way name for a credential: safe to store in job data, Redis keys and logs. */
export function credentialFingerprint(secret: string): string {
  return createHash('sha256').update(secret).digest('hex').slice(0, 16);
}
