// Counts the commands clients send to Redis (round trips), as opposed to INFO commandstats, which also
// counts every command a Lua script runs inside the server. Uses MONITOR (cheap at these rates) and
// names each client connection from CLIENT LIST, so the workers' share can be told from the benchmark's.
import { Redis } from 'ioredis';

export interface RoundTrips {
  /** Commands sent by clients, by connection name ("?" when the connection came and went unnamed). */
  byClient: Map<string, number>;
  /** Sent by the workers' connections (every name but the benchmark's own, the planner's and the waiter's). */
  workers: number;
  total: number;
  /** Commands run by Lua scripts inside Redis (not round trips). */
  insideScripts: number;
}

/** The benchmark's own connections: its commands, `start`, and waitForExport (its QueueEvents end in ":qe"). */
const BENCH_CLIENTS = /^(bench|bulk-export:wait)|:qe$/;

export class RoundTripCounter {
  private readonly perAddress = new Map<string, number>();
  private readonly names = new Map<string, string>();
  private insideScripts = 0;
  private readonly timer: NodeJS.Timeout;

  private constructor(
    private readonly monitor: Redis,
    private readonly commands: Redis,
  ) {
    monitor.on('monitor', (_time: string, _args: string[], source: string) => {
      if (source === 'lua') this.insideScripts++;
      else this.perAddress.set(source, (this.perAddress.get(source) ?? 0) + 1);
    });
    this.timer = setInterval(() => void this.readNames(), 1000);
  }

  static async start(url: string, commands: Redis): Promise<RoundTripCounter> {
    const client = new Redis(url, { connectionName: 'bench:monitor' });
    client.on('error', () => undefined);
    const monitor = await client.monitor();
    client.disconnect();
    monitor.on('error', () => undefined);
    const counter = new RoundTripCounter(monitor, commands);
    await counter.readNames();
    return counter;
  }

  private async readNames(): Promise<void> {
    try {
      const list = (await this.commands.client('LIST')) as string;
      for (const line of list.split('\n')) {
        const addr = /\baddr=(\S+)/.exec(line)?.[1];
        const name = /\bname=(\S*)/.exec(line)?.[1];
        if (addr && name) this.names.set(addr, name);
      }
    } catch {
      // a missed reading only leaves some commands unnamed
    }
  }

  async stop(): Promise<RoundTrips> {
    await this.readNames();
    clearInterval(this.timer);
    this.monitor.disconnect();
    const byClient = new Map<string, number>();
    let total = 0;
    let workers = 0;
    for (const [address, calls] of this.perAddress) {
      const name = this.names.get(address) || '?';
      byClient.set(name, (byClient.get(name) ?? 0) + calls);
      total += calls;
      if (!BENCH_CLIENTS.test(name)) workers += calls;
    }
    return { byClient, workers, total, insideScripts: this.insideScripts };
  }
}
