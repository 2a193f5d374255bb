/**
 * Which source an export reads, for which account, and how. Holds no secret: each worker reads the
 * account's credential where it finds it (src/accounts/account-credentials.ts) when a range needs it.
 */
export interface SourceSpec {
  /** The source's name in the registry (`--source`). */
  kind: string;
  /**
   * The organization whose credential the export reads with (`--account`); `default` is the environment's
   * credential. Specs written before accounts existed have none, and read as `default`.
   */
  account?: string;
  /**
   * The record type the export reads (`--records`), one of the source's (its definition's `recordTypes`).
   * Specs written before record types existed have none, and read as the source's first (`contacts`).
   */
  records?: string;
  baseUrl: string;
  /** Environment variable holding the `default` account's credential on the workers. */
  credentialVariable: string;
  /**
   * Short hash of the credential the export was planned with. A worker reading the `default` account from
   * that variable refuses another credential there (a fleet whose workers were given different ones).
   */
  credentialFingerprint: string;
  /**
   * The source's own settings, settled when planning so that every worker reads alike (its definition's
   * `settingsFrom` and `finishSettings`); JSON, read back by the definition's `create`.
   */
  settings: unknown;
}
