/**
 * Deterministic object key of a part: the same range and sequence number always give the same key,
 * so a retried or resumed part overwrites its earlier attempt instead of adding a duplicate.
 */
export function partKey(folder: string, rangeIndex: number, sequence: number, extension: string): string {
  return `${folder}/part-r${pad(rangeIndex, 5)}-s${pad(sequence, 6)}.${extension}`;
}

export const PART_KEY_PATTERN = /\/part-r(\d+)-s(\d+)\.[a-z.]+$/;

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}
