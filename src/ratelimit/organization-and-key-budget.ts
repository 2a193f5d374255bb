import type { Redis } from 'ioredis';
import { abortableSleep } from '../time/abortable-sleep.js';
import { LuaScript } from './lua-script.js';
import { RedisTokenBucket, type RedisTokenBucketOptions } from './redis-token-bucket.js';
import type { BudgetGrant, BudgetRefusal, ObservedResponse, RequestBudget } from './request-budget.js';
import { ACQUIRE_BOTH_SCRIPT, OBSERVE_BOTH_SCRIPT } from './token-bucket-scripts.js';
import { unlessAborted } from './unless-aborted.js';

export interface OrganizationAndKeyBudgetOptions {
  /** The organization's bucket: the account's budget key, and its limit (Close: three times a key's). */
  organization: RedisTokenBucketOptions;
  /** Every key's limit (its window must be the organization's), and the hash of the key a fingerprint names. */
  key: Omit<RedisTokenBucketOptions, 'key'> & { keyOf(credentialFingerprint: string): string };
  /** The key of a request whose caller names none: the credential the export was started with. */
  defaultCredentialFingerprint: string;
}

/** A grant of both buckets: `sequence` is the organization's, `keySequence` the key's. */
export interface OrganizationAndKeyGrant extends BudgetGrant {
  readonly credentialFingerprint: string;
  readonly keySequence: number;
}

/**
 * The budget of an API that limits requests per key and per organization (Close): every request takes
 * a token from its key's bucket and from its organization's, in one script call, so two credentials of
 * one account in use at once (a rotation, an OAuth refresh) each keep to a key's limit and together to
 * the organization's. Each bucket is a `RedisTokenBucket` (see `token-bucket-scripts.ts` for the rules).
 *
 * Which bucket follows the server: the rate headers update the key's bucket only. Whichever limit they
 * report, their `remaining` bounds what this key may still send, so the key's bucket never lets out more
 * than the server allows; applied to the organization's, a key's `remaining` would stop every other key
 * of the account. The organization's bucket counts the account's requests at its own limit, and a 429
 * pauses the bucket its body names (`rate_limit_type`: the key's, or the organization's, which holds
 * back every key of the account), both when it names none.
 */
export class OrganizationAndKeyBudget implements RequestBudget {
  readonly organization: RedisTokenBucket;
  private readonly keys = new Map<string, RedisTokenBucket>();

  constructor(
    private readonly redis: Redis,
    private readonly options: OrganizationAndKeyBudgetOptions,
  ) {
    if (options.organization.windowMs !== options.key.windowMs) {
      throw new RangeError(`a key's window (${options.key.windowMs} ms) must be its organization's (${options.organization.windowMs} ms)`);
    }
    this.organization = new RedisTokenBucket(redis, options.organization);
  }

  /** The bucket of the key `credentialFingerprint` names (default: the export's credential). */
  keyBucket(credentialFingerprint: string = this.options.defaultCredentialFingerprint): RedisTokenBucket {
    let bucket = this.keys.get(credentialFingerprint);
    if (!bucket) {
      const { keyOf, ...limit } = this.options.key;
      bucket = new RedisTokenBucket(this.redis, { ...limit, key: keyOf(credentialFingerprint) });
      this.keys.set(credentialFingerprint, bucket);
    }
    return bucket;
  }

  /**
   * A token of both buckets, taken in one script call only when both have one; otherwise the longer of
   * their waits is slept (abortable), and it asks again.
   */
  async acquire(signal?: AbortSignal, credentialFingerprint: string = this.options.defaultCredentialFingerprint): Promise<OrganizationAndKeyGrant> {
    const key = this.keyBucket(credentialFingerprint);
    const [organizationRate, organizationBurst] = this.organization.bucketArguments();
    const [keyRate, keyBurst, inFlightMs] = key.bucketArguments();
    const args = [organizationRate, organizationBurst, keyRate, keyBurst, inFlightMs, credentialFingerprint];
    for (;;) {
      signal?.throwIfAborted();
      const reply = await unlessAborted(ACQUIRE_BOTH.run(this.redis, [this.organization.key, key.key], args), signal);
      const [granted, waitMs, sequence, keySequence] = reply as [number, number, number, number];
      if (granted === 1) return { sequence, credentialFingerprint, keySequence };
      await abortableSleep(Math.max(1, waitMs), signal);
    }
  }

  /**
   * One script call: the key's bucket reads the answer's rate headers and takes its grant out of flight; the
   * organization's takes its grant out of flight. A 429 does not touch the organization's here: `pauseUntil`
   * pauses it when the refusal is the organization's.
   */
  async observe(response: ObservedResponse, grant?: BudgetGrant | void): Promise<void> {
    const both = grant && 'keySequence' in grant ? (grant as OrganizationAndKeyGrant) : undefined;
    const key = this.keyBucket(both?.credentialFingerprint);
    const [organizationRate, organizationBurst] = this.organization.bucketArguments();
    const [keyRate, keyBurst, inFlightMs] = key.bucketArguments();
    const keyAnswer = key.answerArguments(response, both ? { sequence: both.keySequence } : undefined);
    const organizationStatus = response.status === 429 ? 0 : response.status;
    await OBSERVE_BOTH.run(
      this.redis,
      [this.organization.key, key.key],
      [organizationRate, organizationBurst, keyRate, keyBurst, inFlightMs, ...keyAnswer, organizationStatus, both ? both.sequence : ''],
    );
  }

  /** Pauses the key the refused request was sent with, its organization (every key of the account), or both when the refusal does not say. */
  async pauseUntil(untilMs: number, refusal?: BudgetRefusal): Promise<void> {
    const grant = refusal?.grant && 'keySequence' in refusal.grant ? (refusal.grant as OrganizationAndKeyGrant) : undefined;
    const scope = refusal?.scope;
    await Promise.all([
      scope === 'organization' ? undefined : this.keyBucket(grant?.credentialFingerprint).pauseUntil(untilMs),
      scope === 'key' ? undefined : this.organization.pauseUntil(untilMs),
    ]);
  }
}

const ACQUIRE_BOTH = new LuaScript(ACQUIRE_BOTH_SCRIPT);
const OBSERVE_BOTH = new LuaScript(OBSERVE_BOTH_SCRIPT);
