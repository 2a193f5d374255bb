import type { ErrorCode } from './error-code.js';

/** Base of every error a user can meet: `message` says what went wrong and what to do about it. */
export class BulkExportError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}
