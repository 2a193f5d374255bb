/**
 * What the source conformance suite (source-conformance.test.ts) needs to know about one source, and
 * nothing more. A harness drives its simulator through the simulator's public API only; the suite drives
 * the exporter through the CLI only. Adding a source = one harness file + one line in harnesses/index.ts.
 */

/** A contact id as the API and the output hold it: a number (Virtuous) or a string (Close). */
export type ContactId = number | string;

export interface FilterCase {
  /** `start` arguments that select a subset (e.g. `--where ...`, `--query FILE`). */
  args: string[];
  /** The ids the filter must select, now. */
  ids: ContactId[];
}

export interface RefusedFilterCase {
  /** `start` arguments with a filter the CLI must refuse (exit 2) before anything is enqueued. */
  args: string[];
  /** What stderr must say. */
  message: RegExp;
}

export interface SourceHarness {
  /** `start --source` value. */
  readonly source: string;
  /** `start --records` value; undefined = the source's first record type (contacts), without the flag. */
  readonly records?: string;
  /** Names the suite, its bucket and its queue prefix: the source, and the record type when given (`virtuous-gifts`). */
  readonly label: string;
  /** Environment variable holding the API credential, e.g. VIRTUOUS_API_TOKEN. */
  readonly credentialVariable: string;
  /** Environment variable holding the API base URL, e.g. VIRTUOUS_BASE_URL. */
  readonly baseUrlVariable: string;
  /** The id column in the output, and its DuckDB type in Parquet and NDJSON parts (BIGINT, VARCHAR). */
  readonly idColumn: { name: string; type: string };
  /** The modification-time column incremental exports walk, as the API sends it in NDJSON records. */
  readonly modifiedColumn: string;
  /**
   * Whether an incremental run may write again, unchanged, contacts modified at or after the previous run's
   * watermark (the manifest's `incremental.since`), as the source's docs allow; false: exactly the changes.
   */
  readonly incrementalMayRepeatBoundary: boolean;
  /**
   * Rows the API serves again each time a range starts a walk from a position (after a restart from its
   * checkpoint, or to confirm that its window ended): 0 for an exclusive keyset (`id > last`); for an inclusive
   * one (`on_or_after` the last timestamp, the ids already read dropped) the contacts sharing that timestamp.
   */
  readonly rowsReadAgainPerWalk: number;

  /** Starts the simulator (a few thousand contacts, no latency, no faults). */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** The variables the CLI needs to reach the simulator: base URL and credential. */
  env(): Record<string, string>;
  /** Every id the API holds now: what a full export (default options) must contain, each once. */
  currentIds(): ContactId[];
  /** The contact's modification time as the API sends it (`modifiedColumn`), or undefined when unknown; `id` may be the output's id as text. */
  modifiedAt(id: ContactId): string | undefined;
  /** Contacts the API has served in answers so far (a live counter). */
  rowsServed(): number;
  /** Requests the API has received so far, counted as they arrive (a live counter). */
  requestsReceived(): number;
  /** Added latency per API request, in milliseconds (0: none), to make an export last. */
  setLatency(ms: number): void;
  /** Changes some contacts now (edits, and inserts when the simulator supports them); returns their ids. */
  changeContacts(): ContactId[];
  /** A filter the source accepts, and the ids it selects now. */
  validFilter(): Promise<FilterCase>;
  /** A filter the source refuses with exit 2, and the message to expect. */
  refusedFilter(): Promise<RefusedFilterCase>;
}
