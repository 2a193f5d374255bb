import type { OptionsListing } from '../source-definition.js';
import { findIdKeyset, findModifiedPrefilter, type VirtuousQueryOptions } from './query-options.js';
import type { VirtuousRecords } from './virtuous-records.js';

/**
 * `bulk-export options --source virtuous [--records TYPE]`: the organization's filter parameters (type,
 * operators, offered values) from the record type's QueryOptions (`GET /api/Contact/QueryOptions`), and
 * the parameters the exporter pages and pre-filters on.
 */
export function virtuousOptionsListing(queryOptions: VirtuousQueryOptions, records: VirtuousRecords): OptionsListing {
  const rows = (queryOptions.options ?? []).map((option) => {
    const values = (option.valueOptions ?? []).map(String);
    return [
      option.parameter,
      option.type,
      (option.operatorOptions ?? [])
        .map((o) => `${o.operator}${o.multipleValuesAllowed ? '[]' : ''}${o.valueRequired === false ? '*' : ''}`)
        .join(' '),
      values.length > 6 ? `${values.slice(0, 6).join(', ')}, ... (${values.length})` : values.join(', '),
    ];
  });
  const notes = [
    '[] takes a comma-separated list of values; * takes no value.',
    `Use: --where "PARAMETER OPERATOR VALUE", e.g. --where "${records.whereExample}".`,
  ];
  const idKeyset = chosen(() => findIdKeyset(queryOptions, records));
  notes.push(
    idKeyset.value
      ? `Exports page by id on "${idKeyset.value.parameter}" ${idKeyset.value.after} / ${idKeyset.value.upTo}.`
      : `No id parameter for keyset paging: ${idKeyset.problem}`,
  );
  const prefilter = chosen(() => findModifiedPrefilter(queryOptions, records));
  notes.push(
    prefilter.value
      ? `--since/--incremental pre-filter on "${prefilter.value.parameter}" ${prefilter.value.operator} <a date> and keep the ${records.name} modified from the start on.`
      : `No modification-date pre-filter: ${prefilter.problem}`,
  );
  return {
    json: { options: queryOptions.options ?? [], idKeyset: idKeyset.value ?? null, modifiedPrefilter: prefilter.value ?? null },
    tables: [{ header: ['PARAMETER', 'TYPE', 'OPERATORS', 'VALUES'], rows }],
    notes,
  };
}

function chosen<T>(pick: () => T): { value?: T; problem?: string } {
  try {
    return { value: pick() };
  } catch (error) {
    return { problem: (error as Error).message };
  }
}
