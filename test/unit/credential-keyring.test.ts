import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateCredentialKey, readCredentialKeyring, type CredentialKeyring } from '../../src/accounts/credential-keyring.js';
import { reportFailure } from '../../src/cli/report-failure.js';
import { loadSecretFiles } from '../../src/config/secret-files.js';
import {
  BulkExportError,
  CredentialKeyUnknownError,
  CredentialUnreadableError,
  InvalidConfigurationError,
  InvalidInputError,
} from '../../src/errors/index.js';
import { secretScrubber } from '../../src/logging/secret-scrubber.js';
import { asJobFailure } from '../../src/queue/permanent-failure.js';
import { UnrecoverableError } from '../../src/queue/bullmq.js';

const ACME = { source: 'virtuous', account: 'acme' };
const SECRET = 'vt_live_9f8e7d6c5b4a3210';

function keyring(value: string): CredentialKeyring {
  const ring = readCredentialKeyring({ CREDENTIALS_KEY: value });
  if (!ring) throw new Error('no keyring');
  return ring;
}

/** The error `action` throws (failing the test when it throws none). */
function thrown(action: () => unknown): Error {
  try {
    action();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

/** `sealed` with one byte of its part `index` (2 iv, 3 ciphertext, 4 tag) flipped, written canonically again. */
function withByteFlipped(sealed: string, index: number, byte: number): string {
  const parts = sealed.split('.');
  const bytes = Buffer.from(parts[index]!, 'base64url');
  bytes[byte] = bytes[byte]! ^ 0x01;
  parts[index] = bytes.toString('base64url');
  return parts.join('.');
}

describe('a credential sealed with CREDENTIALS_KEY', () => {
  const oldKey = generateCredentialKey('old');
  const newKey = generateCredentialKey('2026-05_new');

  it('opens to the secret it sealed, for the account it was sealed for', () => {
    const ring = keyring(oldKey);
    for (const secret of [SECRET, 'p@ss wörd ✓ "quoted"\n', 'x']) {
      const sealed = ring.seal(secret, ACME);
      expect(sealed).toMatch(/^v1\.old\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
      expect(ring.open(sealed, ACME)).toBe(secret);
    }
    expect(ring.seal(SECRET, ACME)).not.toContain(SECRET);
    // A fresh iv at every seal: the same secret never gives the same text.
    expect(ring.seal(SECRET, ACME)).not.toBe(ring.seal(SECRET, ACME));
  });

  it('is read from CREDENTIALS_KEY_FILE, and CREDENTIALS_KEY unset gives no keyring', async () => {
    expect(readCredentialKeyring({})).toBeUndefined();
    const directory = await mkdtemp(join(tmpdir(), 'credentials-key-'));
    try {
      await writeFile(join(directory, 'key'), `${newKey},${oldKey}\n`);
      const variables: NodeJS.ProcessEnv = { CREDENTIALS_KEY_FILE: join(directory, 'key') };
      loadSecretFiles(variables, []);
      const ring = readCredentialKeyring(variables)!;
      expect(ring.keyIds).toEqual(['2026-05_new', 'old']);
      expect(ring.open(keyring(oldKey).seal(SECRET, ACME), ACME)).toBe(SECRET);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('rotates: the first key seals, every key listed opens', () => {
    const sealedWithOld = keyring(oldKey).seal(SECRET, ACME);
    const rotated = keyring(`${newKey}, ${oldKey}`);
    expect(rotated.sealingKeyId).toBe('2026-05_new');
    expect(rotated.open(sealedWithOld, ACME)).toBe(SECRET);
    const sealedWithNew = rotated.seal(SECRET, ACME);
    expect(sealedWithNew.split('.')[1]).toBe('2026-05_new');
    expect(keyring(newKey).open(sealedWithNew, ACME)).toBe(SECRET);
  });

  it('sealed with a key the keyring does not hold: CREDENTIAL_KEY_UNKNOWN naming the key ids held', () => {
    const sealedWithOld = keyring(oldKey).seal(SECRET, ACME);
    const other = generateCredentialKey('other');
    const error = thrown(() => keyring(`${newKey},${other}`).open(sealedWithOld, ACME));
    expect(error).toBeInstanceOf(CredentialKeyUnknownError);
    expect((error as BulkExportError).code).toBe('CREDENTIAL_KEY_UNKNOWN');
    expect(error.message).toContain('sealed with key old, which CREDENTIALS_KEY does not hold; add it back (keys: 2026-05_new, other)');
    expect(error.message).toContain('virtuous account "acme"');
  });

  it('changed in any byte of its iv, ciphertext or tag: CREDENTIAL_UNREADABLE', () => {
    const ring = keyring(oldKey);
    const sealed = ring.seal(SECRET, ACME);
    const parts = sealed.split('.');
    let tried = 0;
    for (const index of [2, 3, 4]) {
      const length = Buffer.from(parts[index]!, 'base64url').length;
      for (let byte = 0; byte < length; byte++) {
        const error = thrown(() => ring.open(withByteFlipped(sealed, index, byte), ACME));
        expect(error, `part ${index} byte ${byte}`).toBeInstanceOf(CredentialUnreadableError);
        expect((error as BulkExportError).code).toBe('CREDENTIAL_UNREADABLE');
        tried++;
      }
    }
    expect(tried).toBe(12 + SECRET.length + 16);
  });

  it('garbled text, a non-canonical encoding, a part cut or added, another form: CREDENTIAL_UNREADABLE', () => {
    const ring = keyring(`${newKey},${oldKey}`);
    const sealed = ring.seal(SECRET, ACME);
    const [version, keyId, iv, ciphertext, tag] = sealed.split('.') as [string, string, string, string, string];
    // The tag's last character carries 4 spare bits: a lenient decoder reads the same 16 bytes from this.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const spareBitsChanged = alphabet[alphabet.indexOf(tag.at(-1)!) ^ 0x01]!;
    expect(Buffer.from(tag.slice(0, -1) + spareBitsChanged, 'base64url')).toEqual(Buffer.from(tag, 'base64url'));
    const garbled = [
      '',
      SECRET,
      'not a sealed credential',
      [version, keyId, iv, ciphertext].join('.'),
      [version, keyId, iv, ciphertext, tag, tag].join('.'),
      ['v2', keyId, iv, ciphertext, tag].join('.'),
      ['V1', keyId, iv, ciphertext, tag].join('.'),
      [version, 'bad id!', iv, ciphertext, tag].join('.'),
      [version, keyId, iv.slice(1), ciphertext, tag].join('.'),
      [version, keyId, iv, ciphertext, tag.slice(0, -1)].join('.'),
      [version, keyId, iv, `${ciphertext}!`, tag].join('.'),
      [version, keyId, iv, ciphertext, `${tag}=`].join('.'),
      [version, keyId, iv, ciphertext, tag.slice(0, -1) + spareBitsChanged].join('.'),
      // Another key's id: that key does not authenticate it.
      [version, 'old', iv, ciphertext, tag].join('.'),
    ];
    for (const text of garbled) {
      const error = thrown(() => ring.open(text, ACME));
      expect(error, text).toBeInstanceOf(CredentialUnreadableError);
      expect(error.message, text).not.toContain(SECRET);
      expect(error.message, text).not.toContain(ciphertext);
    }
    expect(thrown(() => ring.open(['v2', keyId, iv, ciphertext, tag].join('.'), ACME)).message).toContain('form v2');
  });

  it('copied onto another account, or another source, does not open', () => {
    const ring = keyring(oldKey);
    const sealed = ring.seal(SECRET, ACME);
    for (const binding of [
      { source: 'virtuous', account: 'globex' },
      { source: 'close', account: 'acme' },
      { source: 'virtuous', account: 'default' },
    ]) {
      const error = thrown(() => ring.open(sealed, binding));
      expect(error, binding.account).toBeInstanceOf(CredentialUnreadableError);
      expect(error.message).toContain(`${binding.source} account "${binding.account}"`);
      expect(error.message).not.toContain(SECRET);
    }
  });

  it('never shows the secret or key bytes in its errors, nor the keyring in a log', () => {
    const keyText = oldKey.split(':')[1]!;
    const ring = keyring(oldKey);
    const sealed = ring.seal(SECRET, ACME);
    const errors = [
      thrown(() => ring.open(sealed, { source: 'virtuous', account: 'globex' })),
      thrown(() => ring.open(withByteFlipped(sealed, 3, 0), ACME)),
      thrown(() => keyring(newKey).open(sealed, ACME)),
    ];
    for (const error of errors) {
      for (const shown of [error.message, String(error.stack), JSON.stringify(error)]) {
        expect(shown).not.toContain(SECRET);
        expect(shown).not.toContain(keyText);
      }
    }
    expect(JSON.stringify(ring)).not.toContain(keyText);
    expect(JSON.stringify(ring)).not.toContain(Buffer.from(keyText, 'base64').toString('hex'));
  });

  it('fails a range: exit 1; an unreadable one at once, an unknown key after the range’s attempts', () => {
    const sealed = keyring(oldKey).seal(SECRET, ACME);
    const unknown = thrown(() => keyring(newKey).open(sealed, ACME));
    const unreadable = thrown(() => keyring(oldKey).open(withByteFlipped(sealed, 4, 0), ACME));
    const sink = { write: () => true } as unknown as NodeJS.WritableStream;
    expect(reportFailure(unknown, sink)).toBe(1);
    expect(reportFailure(unreadable, sink)).toBe(1);
    expect(asJobFailure(unreadable)).toBeInstanceOf(UnrecoverableError);
    expect(asJobFailure(unknown)).toBe(unknown);
  });
});

describe('CREDENTIALS_KEY', () => {
  const key = (bytes: number) => randomBytes(bytes).toString('base64');

  it('takes keys with or without base64 padding, spaces around entries, and ids of 1 to 32 of [A-Za-z0-9_-]', () => {
    const unpadded = key(32).replace(/=+$/, '');
    const ring = keyring(` a:${key(32)} ,${'Z'.repeat(32)}:${unpadded},k_-9:${key(32)}`);
    expect(ring.keyIds).toEqual(['a', 'Z'.repeat(32), 'k_-9']);
    expect(ring.open(ring.seal(SECRET, ACME), ACME)).toBe(SECRET);
  });

  it('refuses each malformed form with exit 2, saying what is wrong and the expected form, never showing a key', () => {
    const good = key(32);
    const short = key(16);
    const long = key(48);
    const cases: Array<[string, string, string[]]> = [
      ['   ', 'is blank', []],
      [good, 'has no ":"', [good]],
      [`a:${good},`, 'has an empty entry (entry 2)', [good]],
      [`a:${good},,b:${good}`, 'has an empty entry (entry 2)', [good]],
      [`a:${good},${short}`, 'entry 2 has no ":"', [good, short]],
      [`${good}:a`, 'has a key id that is not 1 to 32', [good]],
      [`:${good}`, 'has a key id that is not 1 to 32', [good]],
      [`${'x'.repeat(33)}:${good}`, 'has a key id that is not 1 to 32', [good]],
      [`a.b:${good}`, 'has a key id that is not 1 to 32', [good]],
      [`a:${good},a:${long}`, 'lists the key id "a" twice', [good, long]],
      ['a:', 'key "a" is not base64', []],
      [`a:${good.slice(0, 20)}!${good.slice(21)}`, 'key "a" is not base64', [good.slice(0, 20)]],
      [`a:${Buffer.alloc(32, 0xff).toString('base64url')}`, 'key "a" is not base64', []],
      [`a:${good}=`, 'key "a" is not base64', [good]],
      [`a:${short}`, 'key "a" is 16 bytes, not 32', [short]],
      [`a:${long}`, 'key "a" is 48 bytes, not 32', [long]],
    ];
    const sink = { write: () => true } as unknown as NodeJS.WritableStream;
    for (const [value, problem, keys] of cases) {
      const error = thrown(() => readCredentialKeyring({ CREDENTIALS_KEY: value }));
      expect(error, value).toBeInstanceOf(InvalidConfigurationError);
      expect(error.message, value).toContain(`CREDENTIALS_KEY ${problem}`);
      expect(error.message, value).toContain('"<key id>:<base64 of 32 random bytes>" separated by commas');
      for (const shown of keys) expect(error.message, value).not.toContain(shown);
      expect(reportFailure(error, sink)).toBe(2);
    }
  });

  it('is blanked by the log scrubber, whole and each key alone once read', () => {
    const first = key(32);
    const second = key(32);
    const value = `new:${first},old:${second}`;
    expect(secretScrubber({ CREDENTIALS_KEY: value })(`{"value":"${value}"}`)).toBe('{"value":"[redacted]"}');
    readCredentialKeyring({ CREDENTIALS_KEY: value });
    expect(secretScrubber({})(`one ${first} two ${second}`)).toBe('one [redacted] two [redacted]');
  });
});

describe('generateCredentialKey', () => {
  it('gives a fresh "<id>:<base64 of 32 random bytes>" entry that CREDENTIALS_KEY takes', () => {
    const entry = generateCredentialKey('2026-05');
    expect(entry).toMatch(/^2026-05:[A-Za-z0-9+/]{43}=$/);
    expect(generateCredentialKey('2026-05')).not.toBe(entry);
    expect(keyring(entry).sealingKeyId).toBe('2026-05');
  });

  it('refuses a key id CREDENTIALS_KEY would not take, with exit 2', () => {
    for (const id of ['', 'a.b', 'a:b', 'a,b', 'x'.repeat(33), 'ключ']) {
      expect(() => generateCredentialKey(id), id).toThrow(InvalidInputError);
    }
  });
});
