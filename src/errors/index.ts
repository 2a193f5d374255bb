export { BulkExportError } from './bulk-export-error.js';
export { InvalidInputError } from './invalid-input-error.js';
export { MissingConfigurationError } from './missing-configuration-error.js';
export { SourceRequestError } from './source-request-error.js';
export { SourceUnavailableError } from './source-unavailable-error.js';
