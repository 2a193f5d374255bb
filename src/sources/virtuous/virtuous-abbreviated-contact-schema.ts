import type { RecordSchema } from '../../sinks/record-schema.js';

/** `VirtuousAbbreviatedContact` (items of `POST /api/Contact/Query`), one column per key. */
export const virtuousAbbreviatedContactSchema: RecordSchema = {
  name: 'virtuous.contact',
  fields: [
    { name: 'id', type: { kind: 'int64' } },
    { name: 'name', type: { kind: 'utf8' } },
    { name: 'contactType', type: { kind: 'utf8' } },
    { name: 'contactName', type: { kind: 'utf8' } },
    { name: 'address', type: { kind: 'utf8' } },
    { name: 'email', type: { kind: 'utf8' } },
    { name: 'phone', type: { kind: 'utf8' } },
    { name: 'contactViewUrl', type: { kind: 'utf8' } },
  ],
};
