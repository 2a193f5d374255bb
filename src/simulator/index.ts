export * from './virtuous/index.js';
