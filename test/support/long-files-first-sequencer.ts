import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Folders whose files spawn worker and CLI processes or wait on rate windows: each takes tens of seconds. */
const LONG_FOLDERS = ['test/conformance/', 'test/integration/', 'test/ops/', 'test/ratelimit/'];

/**
 * Starts the long files first, so that the short ones fill the cores at the end instead of one long file
 * running alone there. Within each group, vitest's own order: longest first by the durations it cached
 * from the last run, else largest first (a fresh clone has no cache, and a file's size says little about
 * how long it waits on the processes it starts).
 */
export class LongFilesFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const ordered = await super.sort(files);
    const isLong = (file: TestSpecification) => LONG_FOLDERS.some((folder) => relative(this.ctx.config.root, file.moduleId).startsWith(folder));
    return [...ordered.filter(isLong), ...ordered.filter((file) => !isLong(file))];
  }
}
