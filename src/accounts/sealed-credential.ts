/**
 * The text form of an account's credential sealed for Redis:
 * `v1.<key id>.<base64url iv>.<base64url ciphertext>.<base64url tag>`, AES-256-GCM. The key id says
 * which key of CREDENTIALS_KEY opens it, so that keys rotate while exports sealed with the old one finish;
 * the version lets a later exporter change the form without misreading what an earlier one stored.
 */

export const SEALED_CREDENTIAL_VERSION = 'v1';
export const IV_BYTES = 12;
export const TAG_BYTES = 16;

/** 1 to 32 letters, digits, `_` or `-`: no `.`, so it cannot be confused with the sealed text's separators. */
export const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

/** The account a credential is sealed for: sealed for one account, it does not open for another. */
export interface CredentialBinding {
  /** The source's name (`virtuous`, `close`). */
  source: string;
  /** The account's name (`acme`, `default`). */
  account: string;
}

/** A sealed credential's parts, decoded. */
export interface SealedCredential {
  keyId: string;
  iv: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

/**
 * The authenticated data sealed with a credential: its source and account (an account name holds no `/`,
 * so no two bindings give the same text). A sealed credential copied onto another account's key in Redis
 * fails authentication instead of handing that account the wrong organization's credential.
 */
export function credentialBindingData(binding: CredentialBinding): Buffer {
  return Buffer.from(`crm-bulk-export credential ${SEALED_CREDENTIAL_VERSION} ${binding.source}/${binding.account}`, 'utf8');
}

export function formatSealedCredential(sealed: SealedCredential): string {
  return [SEALED_CREDENTIAL_VERSION, sealed.keyId, sealed.iv, sealed.ciphertext, sealed.tag]
    .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
    .join('.');
}

/** The outcome of reading a sealed credential's text: its parts, or what is wrong with it (never the text itself). */
export type SealedCredentialReading = { sealed: SealedCredential } | { problem: string };

/**
 * Reads the text `formatSealedCredential` writes. Base64url must be canonical: a lenient decoder ignores
 * stray characters and a last character's spare bits, and a changed text must not open as if unchanged.
 */
export function parseSealedCredential(text: string): SealedCredentialReading {
  const parts = text.split('.');
  const expected = `expected ${SEALED_CREDENTIAL_VERSION}.<key id>.<iv>.<ciphertext>.<tag>`;
  if (parts.length !== 5) return { problem: `it is not a sealed credential (${expected})` };
  const [version, keyId, ivText, ciphertextText, tagText] = parts as [string, string, string, string, string];
  if (version !== SEALED_CREDENTIAL_VERSION) {
    return /^v\d{1,4}$/.test(version)
      ? { problem: `it was sealed in form ${version}, which this exporter does not read (run the same version on every worker)` }
      : { problem: `it is not a sealed credential (${expected})` };
  }
  if (!KEY_ID.test(keyId)) return { problem: `it is not a sealed credential: its key id is malformed (${expected})` };
  const iv = canonicalBase64url(ivText);
  const ciphertext = canonicalBase64url(ciphertextText);
  const tag = canonicalBase64url(tagText);
  if (iv?.length !== IV_BYTES || ciphertext === undefined || tag?.length !== TAG_BYTES) {
    return { problem: `it is not a sealed credential: its iv, ciphertext or tag is garbled (${expected}, sealed with key ${keyId})` };
  }
  return { sealed: { keyId, iv, ciphertext, tag } };
}

/** The bytes `text` encodes, when it is exactly what base64url encoding (unpadded) writes for them. */
function canonicalBase64url(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : undefined;
}
