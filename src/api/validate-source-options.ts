import { InvalidInputError } from '../errors/index.js';
import { SOURCE_DEFINITIONS } from '../sources/registry.js';
import type { SourceOption, SourceOptionValues } from '../sources/source-definition.js';
import { checkRecord, describeValue } from './validate-values.js';

/**
 * A request's `sourceOptions` made into what the CLI makes of the same flags: a switch (a flag without a
 * value) is true when given; an option with a value takes a string; a repeatable one (one with a parser,
 * which collects) a string or a list of strings, each given to the option's parser as if the flag were
 * repeated. Every source's options are known here; which apply to the request's source is checked when the
 * export is prepared, as for the CLI. An unknown key is refused: a misspelt filter must not widen an export.
 */
export function validateSourceOptions(value: unknown): SourceOptionValues {
  if (value === undefined) return {};
  const given = checkRecord(value, 'sourceOptions');
  const options = SOURCE_DEFINITIONS.flatMap((definition) => definition.options);
  const values: Record<string, unknown> = {};
  for (const [key, optionValue] of Object.entries(given)) {
    const option = options.find((candidate) => candidate.key === key);
    if (!option) {
      throw new InvalidInputError(`Unknown source option "${key}": use one of ${options.map((candidate) => candidate.key).join(', ')}.`);
    }
    if (optionValue === undefined) continue;
    const parsed = takesValue(option) ? valueOf(option, optionValue) : switchOf(option, optionValue);
    if (parsed !== undefined) values[key] = parsed;
  }
  return values;
}

/** A flag without `<value>`: true when given; false is not giving it. */
function switchOf(option: SourceOption, value: unknown): true | undefined {
  if (typeof value !== 'boolean') throw new InvalidInputError(`${flagOf(option)} is a switch: give true or false, got ${describeValue(value)}.`);
  return value || undefined;
}

/** A string, or for a repeatable option a list of them, through the option's parser as commander gives them to it. */
function valueOf(option: SourceOption, value: unknown): unknown {
  const items = option.parse && Array.isArray(value) ? (value as unknown[]) : [value];
  let parsed: unknown;
  for (const item of items) {
    if (typeof item !== 'string') {
      throw new InvalidInputError(
        `${flagOf(option)} takes ${option.parse ? 'a string or a list of strings' : 'a string'}, got ${describeValue(value)}.`,
      );
    }
    parsed = option.parse ? option.parse(item, parsed) : item;
  }
  return parsed;
}

function takesValue(option: SourceOption): boolean {
  return /[<[]/.test(option.flags);
}

function flagOf(option: SourceOption): string {
  return option.flags.split(/[ ,]/)[0]!;
}
