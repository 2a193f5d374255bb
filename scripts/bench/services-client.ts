// The benchmark's handle on its services process (services.ts).
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { FaultOptions, VirtuousSimulatorStats } from '../../simulators/virtuous/index.js';
import { ProcessSampler } from './proc.js';
import type {
  AnswerRecord,
  OrganizationFigures,
  ServicesCommand,
  ServicesReady,
  ServicesReply,
  SimulatorRequest,
  StartedSimulator,
} from './services-protocol.js';

const SERVICES_ENTRY = fileURLToPath(new URL('./services.ts', import.meta.url));

export class ServicesProcess {
  private nextRequest = 1;
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  readonly sampler: ProcessSampler;

  private constructor(
    private readonly child: ChildProcess,
    readonly ready: ServicesReady,
  ) {
    this.sampler = new ProcessSampler(child.pid!);
    child.on('message', (message: ServicesReply) => {
      if (message.type !== 'reply') return;
      const pending = this.pending.get(message.requestId);
      this.pending.delete(message.requestId);
      if (!pending) return;
      if (message.ok) pending.resolve(message.result);
      else pending.reject(new Error(message.error));
    });
    child.once('exit', (code) => {
      for (const pending of this.pending.values()) pending.reject(new Error(`services process exited with ${code}`));
      this.pending.clear();
    });
  }

  static async start(s3Directory: string): Promise<ServicesProcess> {
    const child = fork(SERVICES_ENTRY, [s3Directory], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const [ready] = (await Promise.race([
      once(child, 'message'),
      once(child, 'exit').then(([code]) => {
        throw new Error(`services process exited with ${code} before it was ready`);
      }),
    ])) as [ServicesReady];
    return new ServicesProcess(child, ready);
  }

  get pid(): number {
    return this.child.pid!;
  }

  private call<T>(command: ServicesCommand): Promise<T> {
    const requestId = this.nextRequest++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(requestId, { resolve: resolve as (value: unknown) => void, reject });
      this.child.send({ requestId, ...command });
    });
  }

  startSimulator(args: SimulatorRequest): Promise<StartedSimulator> {
    return this.call({ cmd: 'simulator.start', args });
  }

  setFaults(id: number, faults: FaultOptions): Promise<void> {
    return this.call({ cmd: 'simulator.faults', args: { id, faults } });
  }

  stats(id: number): Promise<VirtuousSimulatorStats> {
    return this.call({ cmd: 'simulator.stats', args: { id } });
  }

  records(id: number): Promise<AnswerRecord[]> {
    return this.call({ cmd: 'simulator.records', args: { id } });
  }

  /** Every organization's counters (the first, 'default', first). */
  organizations(id: number): Promise<OrganizationFigures[]> {
    return this.call({ cmd: 'simulator.organizations', args: { id } });
  }

  /** The ids an export of the organization must hold, ascending (archived included, as `start` exports them). */
  expectedIds(id: number, organization: string): Promise<number[]> {
    return this.call({ cmd: 'simulator.expectedIds', args: { id, organization } });
  }

  closeSimulator(id: number): Promise<void> {
    return this.call({ cmd: 'simulator.close', args: { id } });
  }

  purge(key: string): Promise<void> {
    return this.call({ cmd: 's3.purge', args: { key } });
  }

  async close(): Promise<void> {
    this.sampler.stop();
    if (this.child.exitCode !== null) return;
    const exited = once(this.child, 'exit');
    await this.call({ cmd: 'close', args: {} }).catch(() => undefined);
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}
