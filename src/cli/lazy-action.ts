/**
 * A command's action, loaded when that command runs. Each command's dependencies (BullMQ, the AWS SDK,
 * Arrow and Parquet, Express) cost a process a fifth of a second or more of start-up each; `--help`,
 * `--version` and every other command need none of them.
 */
// `any[]`: commander hands an action its arguments untyped; each action declares its own.
export function lazyAction<Action extends (...args: any[]) => unknown>(load: () => Promise<Action>): (...args: Parameters<Action>) => Promise<void> {
  return async (...args) => {
    const action = await load();
    await action(...args);
  };
}
