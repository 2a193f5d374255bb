import { describe, expect, it } from 'vitest';
import { createSource, recordSchemaOf } from '../../src/sources/create-source.js';
import { credentialFingerprint } from '../../src/sources/credential-fingerprint.js';
import type { SourceSpec } from '../../src/sources/source-spec.js';
import { DEFAULT_VIRTUOUS_SETTINGS } from '../../src/sources/virtuous/virtuous-source.js';

describe('recordSchemaOf', () => {
  it("builds an export's record schema from its spec alone: the commit needs no credential, handed over or not", async () => {
    const spec: SourceSpec = {
      kind: 'virtuous',
      account: 'acme',
      baseUrl: 'https://api.virtuoussoftware.com',
      credentialVariable: 'VIRTUOUS_API_TOKEN',
      credentialFingerprint: credentialFingerprint('token-0001'),
      settings: DEFAULT_VIRTUOUS_SETTINGS,
    };
    // No CREDENTIALS_DIR, no variable, no Redis: the account's credential is nowhere this process could find it.
    const schema = recordSchemaOf(spec, {});
    const reader = await createSource({ ...spec, account: 'default' }, { variables: { VIRTUOUS_API_TOKEN: 'token-0001' } });
    expect(schema).toEqual(reader.schema);
    expect(schema.fields.length).toBeGreaterThan(0);
  });
});
