import { InvalidInputError } from '../errors/index.js';
import { closeDefinition } from './close/close-definition.js';
import type { RecordTypeDefinition } from './record-type.js';
import type { SourceDefinition } from './source-definition.js';
import type { SourceSpec } from './source-spec.js';
import { virtuousDefinition } from './virtuous/virtuous-definition.js';

/** Every source the exporter reads, in the order the CLI lists them. Adding a source is one line here. */
export const SOURCE_DEFINITIONS: readonly SourceDefinition[] = [virtuousDefinition, closeDefinition];

/** The names `--source` accepts. */
export function sourceNames(): string[] {
  return SOURCE_DEFINITIONS.map((definition) => definition.name);
}

/** The definition of `name`, or an InvalidInputError (exit 2) listing the sources there are. */
export function sourceDefinition(name: string): SourceDefinition {
  const definition = SOURCE_DEFINITIONS.find((candidate) => candidate.name === name);
  if (!definition) throw new InvalidInputError(`Unknown --source "${name}": use one of ${sourceNames().join(', ')}.`);
  return definition;
}

/**
 * The record type `name` of the source (`--records`), its first one when no name is given (specs written
 * before record types existed), or an InvalidInputError (exit 2) listing the record types it has.
 */
export function recordTypeOf(definition: SourceDefinition, name: string | undefined): RecordTypeDefinition {
  if (name === undefined) return definition.recordTypes[0];
  const recordType = definition.recordTypes.find((candidate) => candidate.name === name);
  if (!recordType) {
    const names = definition.recordTypes.map((candidate) => candidate.name);
    throw new InvalidInputError(
      `Unknown --records "${name}" for --source ${definition.name}: use ${names.length === 1 ? names[0] : `one of ${names.join(', ')}`}.`,
    );
  }
  return recordType;
}

/** The record type an export's spec reads: its own, or its source's first for a spec written before record types. */
export function recordsOf(source: Pick<SourceSpec, 'kind' | 'records'>): string {
  return source.records ?? sourceDefinition(source.kind).recordTypes[0].name;
}

/** `--records` value meaning every record type the source declares. */
export const ALL_RECORD_TYPES = 'all';

/**
 * The record types a `--records` value names, in the order given: one name, a comma-separated list, or
 * `all` (every record type of the source, in its order); undefined (no `--records`) is the source's first.
 * An unknown name is an InvalidInputError (exit 2), so nothing starts unless every name is right.
 */
export function recordTypesNamed(definition: SourceDefinition, value: string | undefined): RecordTypeDefinition[] {
  if (value === undefined) return [definition.recordTypes[0]];
  if (value.trim() === ALL_RECORD_TYPES) return [...definition.recordTypes];
  const names = value.split(',').map((name) => name.trim());
  if (names.some((name) => name === ''))
    throw new InvalidInputError(`--records "${value}" has an empty name: give record types separated by commas, e.g. contacts,gifts.`);
  return [...new Set(names)].map((name) => recordTypeOf(definition, name));
}
