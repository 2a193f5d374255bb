import { UnrecoverableError } from '../../src/queue/bullmq.js';
import { describe, expect, it } from 'vitest';
import { redactError, redactingFailures } from '../../src/logging/redact-error.js';
import { secretScrubber } from '../../src/logging/secret-scrubber.js';

const variables = { VIRTUOUS_API_TOKEN: 'tok-0123456789', AWS_SECRET_ACCESS_KEY: 'aws/secret+key', PATH: '/usr/bin' };

describe('redacting errors before they are stored', () => {
  it('blanks secret values, Bearer/Basic credentials and JSON-escaped forms in message, stack and causes, keeping the class', () => {
    const cause = new Error('upstream said {"token":"tok-0123456789"}');
    const error = new UnrecoverableError('Virtuous answered 400: request with Bearer tok-0123456789 refused; key aws/secret+key');
    error.cause = cause;
    const redacted = redactError(error, secretScrubber(variables));
    expect(redacted).toBe(error);
    expect(redacted).toBeInstanceOf(UnrecoverableError);
    expect(redacted.message).toBe('Virtuous answered 400: request with Bearer [redacted] refused; key [redacted]');
    expect(redacted.stack).not.toContain('tok-0123456789');
    expect((redacted.cause as Error).message).toBe('upstream said {"token":"[redacted]"}');
    expect(redactError('not an error', secretScrubber(variables))).toBe('not an error');
  });

  it('wraps a processor so its failures are redacted, declaring the three parameters BullMQ needs to pass the abort signal', async () => {
    const seen: unknown[] = [];
    const processor = redactingFailures(async (job: string, token: string | undefined, signal?: AbortSignal) => {
      seen.push(job, token, signal);
      throw new Error(`refused tok-0123456789 for ${job}`);
    }, variables);
    expect(processor.length).toBeGreaterThanOrEqual(3);
    const signal = new AbortController().signal;
    await expect(processor('job-1', 'lock', signal)).rejects.toThrow('refused [redacted] for job-1');
    expect(seen).toEqual(['job-1', 'lock', signal]);
  });
});
