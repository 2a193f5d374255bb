/** Throws a RangeError naming the option unless `value` is an integer ≥ `minimum`. */
export function requireInteger(name: string, value: number, minimum: number): void {
  if (!Number.isInteger(value) || value < minimum) throw new RangeError(`${name} must be an integer >= ${minimum}, got ${value}`);
}
