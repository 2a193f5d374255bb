import { readEnvironment } from '../../config/environment.js';
import { startBoardServer } from '../../board/board-server.js';

export interface BoardCommandOptions {
  /** Checked by the option's parser (0 to 65535). */
  port: number;
  host: string;
  readOnly?: boolean;
}

/**
 * `bulk-export board [--port 3000] [--host 127.0.0.1] [--read-only]`: Bull Board over the export queues
 * until SIGINT/SIGTERM. Loopback only, unless BOARD_USER and BOARD_PASSWORD are set (then basic auth).
 */
export async function boardCommand(options: BoardCommandOptions): Promise<void> {
  const environment = readEnvironment();
  const credentials = environment.access;
  const board = await startBoardServer({
    redis: environment.redis,
    prefix: environment.queuePrefix,
    host: options.host,
    port: options.port,
    readOnly: Boolean(options.readOnly),
    credentials,
  });
  process.stdout.write(
    `board listening on ${board.url} (queues exports and export-ranges under ${environment.queuePrefix}; ` +
      `${options.readOnly ? 'read-only' : 'retries allowed'}; ${credentials ? 'basic auth required' : 'no auth, loopback only'}; metrics at ${board.url}metrics)\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await board.close();
}
