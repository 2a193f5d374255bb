import type { CloseSource, CloseSourceSettings } from './close-source.js';

/**
 * What `start` settles for a Close export before it is enqueued, so that every worker reads the same
 * way: the custom fields (from `GET /custom_field/contact/`, with their types), and the page size and
 * selectors per request that Close accepted. `settings` (the spec's) is updated in place.
 */
export async function prepareCloseSettings(
  source: CloseSource,
  settings: CloseSourceSettings,
  notify: (line: string) => void,
  signal?: AbortSignal,
): Promise<void> {
  const { customFieldKeys, customFields, notInCatalogue } = await source.resolveCustomFields(signal);
  settings.customFieldKeys = customFieldKeys;
  settings.customFields = customFields;
  settings.discoverCustomFields = false;
  for (const key of notInCatalogue) {
    notify(
      `warning: --fields ${key}: GET /custom_field/contact/ does not list this field (a shared custom field?); it is asked for by name and exported as JSON text`,
    );
  }
  // The walk's request now carries the custom selectors too: check that Close takes that many.
  if (customFieldKeys.length > 0) await source.validate(signal);
  const requests = 1 + source.fieldRequests.extra.length;
  if (customFieldKeys.length > 0) {
    notify(
      `close: ${customFields.length} contact custom field(s) from GET /custom_field/contact/ as typed columns` +
        (requests > 1 ? `; each page is read in ${requests} requests (at most ${source.maxFieldSelectors} _fields selectors per request)` : ''),
    );
  }
  if (source.pageSize !== settings.pageSize) notify(`close: Close refused _limit ${settings.pageSize}; pages of ${source.pageSize} are read instead`);
  settings.pageSize = source.pageSize;
  settings.maxFieldSelectors = source.maxFieldSelectors;
}
