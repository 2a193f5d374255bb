/**
 * Object key of a part: range, sequence and the attempt that wrote it. Two attempts at the same part
 * (a worker that lost its job's lock still uploading while the job's new owner does too) never
 * overwrite each other, so the part a checkpoint commits is exactly the object that attempt wrote;
 * the losing attempt's object is never in the manifest and is deleted before `_SUCCESS`.
 */
export function partKey(folder: string, rangeIndex: number, sequence: number, extension: string, attempt: string): string {
  if (!ATTEMPT_TAG.test(attempt)) throw new RangeError(`a part's attempt tag is lowercase letters and digits, got "${attempt}"`);
  return `${folder}/part-r${pad(rangeIndex, 5)}-s${pad(sequence, 6)}-a${attempt}.${extension}`;
}

/** Range (1), sequence (2), attempt (3) and extension (4). */
export const PART_KEY_PATTERN = /\/part-r(\d+)-s(\d+)-a([0-9a-z]+)\.([a-z0-9.]+)$/;

const ATTEMPT_TAG = /^[0-9a-z]+$/;

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}
