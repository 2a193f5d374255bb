export * from './virtuous/index.js';
export { startCloseSimulator, type CloseSimulator, type CloseSimulatorOptions } from './close/index.js';
