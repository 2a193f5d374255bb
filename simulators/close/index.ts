export { DEFAULT_SHARED_TIMESTAMP, startCloseSimulator, type CloseSimulator, type CloseSimulatorOptions } from './close-simulator.js';
export type { CloseSimulatorStats } from './simulator-stats.js';
export { RATE_LIMIT_HEADER_SCOPES, type CloseRateLimitOptions, type RateLimitHeaderScope, type RateLimitType } from './rate-limiter.js';
export type { FaultOptions } from '../virtuous/fault-injector.js';
export { DEFAULT_LIMIT } from './search-request.js';
export { CUSTOM_FIELD_SHAPES, type CustomFieldShape } from './field-projection.js';
export { CURSOR_ERROR_SHAPES, type CursorErrorShape } from './close-errors.js';
export { WALK_CAP_SHAPES, type WalkCapShape } from './search-endpoint.js';
