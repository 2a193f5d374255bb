import type { ExportCommand, ExportControl } from '../export-control.js';
import { ExportCancelledError } from '../export-stopped.js';

/** How stale an operator's cancel or pause may be when a range reads its next page. */
export const CONTROL_INTERVAL_MS = 500;

/**
 * The operator's word on an export as one range heeds it between pages: looked up at most every
 * `intervalMs` (to keep Redis round trips per page low). A cancel ends the range for good (thrown); a
 * pause is returned, for the range to park after saving what it read.
 */
export class OperatorWord {
  private lastLookedAt = -Infinity;

  constructor(
    private readonly control: Pick<ExportControl, 'get'>,
    private readonly exportId: string,
    private readonly intervalMs: number = CONTROL_INTERVAL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** `pause` when the operator paused the export; undefined to read on (also when it is not yet time to look again). */
  async heed(): Promise<Extract<ExportCommand, 'pause'> | undefined> {
    if (this.now() - this.lastLookedAt < this.intervalMs) return undefined;
    this.lastLookedAt = this.now();
    const command = await this.control.get(this.exportId);
    if (command === 'cancel') throw new ExportCancelledError(this.exportId);
    return command === 'pause' ? 'pause' : undefined;
  }
}
