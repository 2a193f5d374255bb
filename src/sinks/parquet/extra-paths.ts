import { MAX_UNKNOWN_FIELDS } from '../part-encoder.js';

/**
 * Where the values a part keeps in `_extra` come from, as paths (`birthDate`, `address.startMonth`,
 * `contactIndividuals[].gender`): keys the schema does not name, at any depth, and named fields whose value
 * the column's type could not hold. At most `MAX_UNKNOWN_FIELDS` of each.
 */
export class ExtraPaths {
  private readonly unknownKeys = new Set<string>();
  private readonly refusedKeys = new Set<string>();

  unknown(path: string): void {
    if (this.unknownKeys.size < MAX_UNKNOWN_FIELDS) this.unknownKeys.add(path);
  }

  refused(path: string): void {
    if (this.refusedKeys.size < MAX_UNKNOWN_FIELDS) this.refusedKeys.add(path);
  }

  /** Keys the schema does not name, sorted. */
  get unknownFields(): string[] {
    return [...this.unknownKeys].sort();
  }

  /** Named fields some value of which the column's type could not hold, sorted. */
  get refusedValues(): string[] {
    return [...this.refusedKeys].sort();
  }
}

/** The path of a key of the object at `path` (the row itself when `path` is empty). */
export function keyPath(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/** The path of the items of the list at `path`. */
export function itemsPath(path: string): string {
  return `${path}[]`;
}
