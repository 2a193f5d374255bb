import { accountOf } from '../accounts/account-name.js';
import type { ExportSpec } from '../queue/export-spec.js';

/** What a notification tells: the export committed, or it failed (a cancel is the operator's own act and is not notified). */
export type NotificationEvent = 'committed' | 'failed';

/** The longest error message a notification carries; the rest is in `status`. */
const MAX_ERROR_MESSAGE = 1000;

/** The JSON body POSTed to `--notify URL` (docs/notifications.md). */
export interface ExportNotification {
  /** `<exportId>-<state>`, the same on every try: a receiver drops a delivery id it has seen (also in the Bulk-Export-Delivery header). */
  deliveryId: string;
  event: `export.${NotificationEvent}`;
  exportId: string;
  /** The organization the export read for (`--account`). */
  account: string;
  /** `virtuous` or `close`. */
  source: string;
  /** `virtuous/contacts`; null for exports planned before tables. */
  table: string | null;
  state: NotificationEvent;
  /** Committed: the manifest's row count. Failed: null. */
  rows: number | null;
  /** Committed: the number of part files. Failed: null. */
  parts: number | null;
  /** Committed: `s3://bucket/.../_manifest.json`. Failed: null (nothing was committed). */
  manifest: string | null;
  /** Failed: the error's code (`SOURCE_HTTP_401`, `PARTS_MISSING`, ...) and message, credentials blanked. Committed: null. */
  error: { code: string; message: string } | null;
  /** When the export committed or failed (ISO 8601). */
  occurredAt: string;
}

/** The notification id of an export's event: a job id (no ':') and the receiver's deduplication key. */
export function deliveryIdOf(exportId: string, event: NotificationEvent): string {
  return `${exportId}-${event}`;
}

export function committedNotification(
  spec: ExportSpec,
  committed: { rows: number; parts: number; manifestUrl: string; committedAt: string },
): ExportNotification {
  return {
    ...describedExport(spec, 'committed'),
    rows: committed.rows,
    parts: committed.parts,
    manifest: committed.manifestUrl,
    error: null,
    occurredAt: committed.committedAt,
  };
}

export function failedNotification(spec: ExportSpec, failure: { code: string; message: string; failedAt: string }): ExportNotification {
  const message = failure.message.length > MAX_ERROR_MESSAGE ? `${failure.message.slice(0, MAX_ERROR_MESSAGE)}...` : failure.message;
  return {
    ...describedExport(spec, 'failed'),
    rows: null,
    parts: null,
    manifest: null,
    error: { code: failure.code, message },
    occurredAt: failure.failedAt,
  };
}

function describedExport(spec: ExportSpec, event: NotificationEvent) {
  return {
    deliveryId: deliveryIdOf(spec.exportId, event),
    event: `export.${event}` as const,
    exportId: spec.exportId,
    account: accountOf(spec.source),
    source: spec.source.kind,
    table: spec.table ?? null,
    state: event,
  };
}
