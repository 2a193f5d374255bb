export { startVirtuousSimulator, type VirtuousSimulator, type VirtuousSimulatorOptions } from './virtuous-simulator.js';
export type { VirtuousOrganization, VirtuousOrganizationOptions, TokenRotation } from './simulated-organization.js';
export type { VirtuousSimulatorStats } from './simulator-stats.js';
export type { FaultOptions } from './fault-injector.js';
export type { RateLimitOptions } from './rate-window.js';
export { queryOptionsResponse, OPERATOR_NAMES, type OperatorName, type QueryOptionsResponse } from './query-options-catalog.js';
