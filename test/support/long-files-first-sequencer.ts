import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Folders whose files spawn worker and CLI processes or wait on rate windows: each takes tens of seconds. */
const LONG_FOLDERS = ['test/conformance/', 'test/integration/', 'test/ops/', 'test/ratelimit/'];

/** Seconds each file took in a full run (scripts/test-durations.mjs writes it from a vitest JSON report). */
const DURATIONS = JSON.parse(readFileSync(new URL('./file-durations.json', import.meta.url), 'utf8')) as Record<string, number>;

/**
 * Starts the longest files first, so that the short ones fill the cores at the end instead of one long file
 * running alone there. The order is the durations recorded in file-durations.json, longest first, the same
 * on a fresh clone (which has no vitest cache of durations, and where a file's size says little about how
 * long it waits on the processes it starts) as on a machine that ran the suite before. A file not recorded
 * yet starts with the long ones when it sits in a folder of long files, else after every recorded one.
 */
export class LongFilesFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const ordered = await super.sort(files);
    const path = (file: TestSpecification) => relative(this.ctx.config.root, file.moduleId);
    const rank = (file: TestSpecification) => {
      const recorded = DURATIONS[path(file)];
      if (recorded !== undefined) return recorded;
      return LONG_FOLDERS.some((folder) => path(file).startsWith(folder)) ? Number.POSITIVE_INFINITY : -1;
    };
    // Array.prototype.sort is stable: files of one rank keep vitest's own order.
    return ordered.sort((a, b) => rank(b) - rank(a));
  }
}
