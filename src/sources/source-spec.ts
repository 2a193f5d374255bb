/**
 * Which source an export reads and how. Holds no secret: workers take the credential from their own
 * environment, from the variable named here, and refuse to work if its fingerprint differs.
 */
export interface SourceSpec {
  /** The source's name in the registry (`--source`). */
  kind: string;
  baseUrl: string;
  /** Environment variable holding the credential on the workers. */
  credentialVariable: string;
  /** Short hash of the credential the export was planned with. */
  credentialFingerprint: string;
  /**
   * The source's own settings, settled when planning so that every worker reads alike (its definition's
   * `settingsFrom` and `finishSettings`); JSON, read back by the definition's `create`.
   */
  settings: unknown;
}
