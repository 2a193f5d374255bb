import type { Command } from 'commander';

/** Commands for watching the fleet (board, list, metrics); registered beside the core commands. */
export function registerOperationsCommands(_program: Command): void {}
