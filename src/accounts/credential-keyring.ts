import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { CredentialKeyUnknownError, CredentialUnreadableError, InvalidConfigurationError, InvalidInputError } from '../errors/index.js';
import { learnSecret } from '../logging/secret-scrubber.js';
import {
  IV_BYTES,
  KEY_ID,
  TAG_BYTES,
  credentialBindingData,
  formatSealedCredential,
  parseSealedCredential,
  type CredentialBinding,
} from './sealed-credential.js';

export type { CredentialBinding } from './sealed-credential.js';

const VARIABLE = 'CREDENTIALS_KEY';
const KEY_BYTES = 32;
const CIPHER = 'aes-256-gcm';
const EXPECTED_FORM =
  `expected one or more "<key id>:<base64 of ${KEY_BYTES} random bytes>" separated by commas, the key that seals first ` +
  `(a key id is 1 to 32 letters, digits, "_" or "-"; a new key: "<key id>:$(openssl rand -base64 ${KEY_BYTES})")`;

/**
 * The keys that seal accounts' credentials for Redis, shared by every process that starts exports and
 * every worker. The first key seals; every key opens what it sealed, so an operator rotates by putting a
 * new key first and keeping the old one until the exports sealed with it have finished. AES-256-GCM
 * authenticates each credential together with its account (see `credentialBindingData`).
 */
export interface CredentialKeyring {
  /** The id of the key that seals: the first of CREDENTIALS_KEY. */
  readonly sealingKeyId: string;
  /** Every key id held, the sealing one first: names only, for messages. */
  readonly keyIds: readonly string[];
  /** `secret` sealed for `binding` with the sealing key: `v1.<key id>.<iv>.<ciphertext>.<tag>`, a fresh iv each time. */
  seal(secret: string, binding: CredentialBinding): string;
  /**
   * The secret `sealed` holds, when it was sealed for `binding` with a key held here. A key id not held is a
   * CredentialKeyUnknownError; anything that does not authenticate is a CredentialUnreadableError.
   */
  open(sealed: string, binding: CredentialBinding): string;
}

/**
 * The keyring CREDENTIALS_KEY (or its `_FILE`, loaded before) gives; undefined when it is not set. A value
 * that is not a list of `<key id>:<base64 of 32 bytes>` with distinct ids is an InvalidConfigurationError
 * (exit 2) saying which entry is wrong and how, never showing the keys. Each key is learned by the log
 * scrubbers, so that one key alone is blanked too, not only the variable's whole value.
 */
export function readCredentialKeyring(variables: NodeJS.ProcessEnv): CredentialKeyring | undefined {
  const text = variables[VARIABLE];
  if (!text) return undefined;
  return new Keyring(parseKeys(text));
}

/**
 * A new `<id>:<base64 of 32 random bytes>` entry for CREDENTIALS_KEY. `id` is shown and stored next to each
 * credential it seals; a fresh id for each new key (a date, `2026-05`) keeps the keys of a rotation apart.
 */
export function generateCredentialKey(id: string): string {
  if (!KEY_ID.test(id)) {
    throw new InvalidInputError(`A credential key id must be 1 to 32 letters, digits, "_" or "-" (got ${JSON.stringify(id)}).`);
  }
  return `${id}:${randomBytes(KEY_BYTES).toString('base64')}`;
}

interface CredentialKey {
  id: string;
  bytes: Buffer;
}

class Keyring implements CredentialKeyring {
  // A private field: the key bytes stay out of JSON, util.inspect and error reports of the keyring.
  readonly #keys: ReadonlyMap<string, Buffer>;
  readonly sealingKeyId: string;
  readonly keyIds: readonly string[];

  constructor(keys: readonly [CredentialKey, ...CredentialKey[]]) {
    this.#keys = new Map(keys.map((key) => [key.id, key.bytes]));
    this.sealingKeyId = keys[0].id;
    this.keyIds = keys.map((key) => key.id);
  }

  seal(secret: string, binding: CredentialBinding): string {
    learnSecret(secret);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(CIPHER, this.#keys.get(this.sealingKeyId)!, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(credentialBindingData(binding));
    const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return formatSealedCredential({ keyId: this.sealingKeyId, iv, ciphertext, tag: cipher.getAuthTag() });
  }

  open(text: string, binding: CredentialBinding): string {
    const reading = parseSealedCredential(text);
    if ('problem' in reading) throw new CredentialUnreadableError(binding, reading.problem);
    const { keyId, iv, ciphertext, tag } = reading.sealed;
    const key = this.#keys.get(keyId);
    if (!key) throw new CredentialKeyUnknownError(keyId, this.keyIds, binding);
    let secret: string;
    try {
      const decipher = createDecipheriv(CIPHER, key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(credentialBindingData(binding));
      decipher.setAuthTag(tag);
      secret = Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
    } catch {
      // The cipher's own message says nothing more than "unable to authenticate data".
      throw new CredentialUnreadableError(
        binding,
        `it does not authenticate with key ${keyId}: it was changed, sealed for another account, or key ${keyId} holds other bytes here than where it was sealed`,
      );
    }
    learnSecret(secret);
    return secret;
  }
}

/** The keys of CREDENTIALS_KEY in order, each learned by the log scrubbers; refused naming the entry, never its key. */
function parseKeys(text: string): [CredentialKey, ...CredentialKey[]] {
  const refuse = (problem: string) => new InvalidConfigurationError(VARIABLE, `${problem}; ${EXPECTED_FORM}`);
  if (text.trim() === '') throw refuse('is blank');
  const entries = text.split(',');
  const keys: CredentialKey[] = [];
  entries.forEach((raw, index) => {
    const entry = raw.trim();
    // Read after "CREDENTIALS_KEY ": "has no ...", or "entry 2 has no ..." in a list.
    const which = entries.length === 1 ? '' : `entry ${index + 1} `;
    if (entry === '') throw refuse(`has an empty entry (entry ${index + 1})`);
    const colon = entry.indexOf(':');
    if (colon < 0) throw refuse(`${which}has no ":" between a key id and the key`);
    const id = entry.slice(0, colon).trim();
    const encoded = entry.slice(colon + 1).trim();
    if (!KEY_ID.test(id)) throw refuse(`${which}has a key id that is not 1 to 32 letters, digits, "_" or "-"`);
    if (keys.some((key) => key.id === id)) throw refuse(`lists the key id "${id}" twice`);
    if (encoded !== '') learnSecret(encoded);
    const bytes = canonicalBase64(encoded);
    if (!bytes) throw refuse(`key "${id}" is not base64 (letters, digits, "+" and "/", "=" padding)`);
    if (bytes.length !== KEY_BYTES) throw refuse(`key "${id}" is ${bytes.length} bytes, not ${KEY_BYTES}`);
    keys.push({ id, bytes });
  });
  return keys as [CredentialKey, ...CredentialKey[]];
}

/** The bytes `text` encodes as standard base64, padded or not; undefined for anything a strict decoder would refuse. */
function canonicalBase64(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  const written = bytes.toString('base64');
  return written === text || written.replace(/=+$/, '') === text ? bytes : undefined;
}
