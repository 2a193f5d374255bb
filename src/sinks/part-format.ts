import { InvalidInputError } from '../errors/index.js';

export const PART_FORMATS = ['parquet', 'ndjson'] as const;
export type PartFormat = (typeof PART_FORMATS)[number];

export function parsePartFormat(value: string): PartFormat {
  if ((PART_FORMATS as readonly string[]).includes(value)) return value as PartFormat;
  throw new InvalidInputError(`Unknown --format "${value}": use one of ${PART_FORMATS.join(', ')}.`);
}
