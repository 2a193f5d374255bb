import { randomBytes } from 'node:crypto';

/**
 * A new export id: sortable by time, safe as a BullMQ job id (no ':' and not all digits)
 * and as an S3 folder name, e.g. `exp-20261122t214501-3f9a1c`.
 */
export function newExportId(now: Date = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, '')
    .toLowerCase();
  return `exp-${stamp}-${randomBytes(3).toString('hex')}`;
}

/** What `newExportId` makes: the only export ids commands accept (never a path such as `../x`). */
export const EXPORT_ID_PATTERN = /^exp-\d{8}t\d{6}-[0-9a-f]{6}$/;
