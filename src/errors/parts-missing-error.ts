import { BulkExportError } from './bulk-export-error.js';

/** A part a checkpoint recorded, as S3 lists it at commit time. */
export interface PartDiscrepancy {
  key: string;
  rangeIndex: number;
  recordedBytes: number;
  /** Undefined when the object is gone. */
  foundBytes: number | undefined;
}

const NAMED_AT_MOST = 10;

/**
 * The commit found parts missing or changed on S3 (deleted, or overwritten, while the export ran). Nothing
 * was committed; the affected ranges were rewound to before their first bad part, so `retry` reads them again.
 */
export class PartsMissingError extends BulkExportError {
  readonly discrepancies: readonly PartDiscrepancy[];
  readonly rewoundRanges: readonly number[];

  constructor(exportId: string, bucket: string, discrepancies: readonly PartDiscrepancy[], rewoundRanges: readonly number[]) {
    const named = discrepancies
      .slice(0, NAMED_AT_MOST)
      .map((part) =>
        part.foundBytes === undefined
          ? `s3://${bucket}/${part.key} is missing`
          : `s3://${bucket}/${part.key} has ${part.foundBytes} bytes, not ${part.recordedBytes}`,
      );
    const more = discrepancies.length > NAMED_AT_MOST ? `; and ${discrepancies.length - NAMED_AT_MOST} more` : '';
    super(
      'PARTS_MISSING',
      `Export ${exportId} was not committed (no _manifest.json, no _SUCCESS): ${discrepancies.length} part(s) its checkpoints recorded ` +
        `are missing or changed on S3, deleted or overwritten while it ran: ${named.join('; ')}${more}. ` +
        `Range(s) ${rewoundRanges.join(', ')} were rewound to before their first bad part. ` +
        `Make sure nothing else deletes or writes under the export's folder (lifecycle rules, other jobs), then run: bulk-export retry ${exportId}`,
    );
    this.discrepancies = discrepancies;
    this.rewoundRanges = rewoundRanges;
  }
}
