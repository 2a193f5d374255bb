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
