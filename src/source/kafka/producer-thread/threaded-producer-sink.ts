import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ProducedMessage } from '../../../sinks/produced-message';
import type { PublishSink } from '../../../sinks/publish-sink';
import type { ProducerReply, ProducerRequest } from './producer-thread-protocol';

export interface ThreadedProducerOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** Receives the producer's kafkajs log lines at warn and above. */
  readonly log?: (level: 'warn' | 'error', message: string, extra: Record<string, unknown>) => void;
}

/**
 * Whether `output.publishThread` puts the producer on a thread of its own: 'auto' does with more than two
 * cores. On two, measured with `npm run bench:pipeline`, the event loop's CPU per record halved but the
 * rate did not rise (B = 16) or fell by about 7 % (B = 1): the work competes with training on either core.
 */
export function publishesOnThread(setting: 'auto' | 'on' | 'off', cores = availableParallelism()): boolean {
  return setting === 'on' || (setting === 'auto' && cores > 2);
}

type Request = ProducerRequest extends infer R ? R extends ProducerRequest ? Omit<R, 'id'> : never : never;

/** The producer thread stopped (crashed or was terminated): sends cannot succeed by retrying. */
export class ProducerThreadExited extends Error {
  override readonly name = 'ProducerThreadExited';
  readonly retriable = false;
}

/**
 * A {@link PublishSink} whose kafkajs producer runs on a thread of its own
 * (src/source/kafka/producer-thread/producer-thread.ts). Encoding one record per prediction and writing
 * them to the socket is about 40 % of the event loop's CPU per record; on this thread it runs beside the
 * event loop instead (see publishesOnThread for when that pays). Messages are copied to that thread; a failed
 * send rejects with the kafkajs error's name, message, `retriable` and `type`, so retry decisions stay the
 * same.
 */
export class ThreadedProducerSink implements PublishSink {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private exited: Error | undefined;

  constructor(private readonly options: ThreadedProducerOptions) {}

  async connect(): Promise<void> {
    if (!this.worker) this.start();
    await this.request({ op: 'connect', brokers: [...this.options.brokers], clientId: this.options.clientId });
  }

  sendBatch(byTopic: ReadonlyMap<string, readonly ProducedMessage[]>): Promise<void> {
    if (byTopic.size === 0) return Promise.resolve();
    return this.request({ op: 'send', byTopic: [...byTopic] });
  }

  async disconnect(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    try {
      if (!this.exited) await this.request({ op: 'disconnect' });
    } finally {
      this.worker = undefined;
      this.exited = undefined;
      await worker.terminate();
    }
  }

  private start(): void {
    this.exited = undefined;
    const worker = new Worker(join(__dirname, 'producer-thread.js'));
    this.worker = worker;
    worker.unref();
    worker.on('message', (m: ProducerReply) => {
      if ('log' in m) {
        this.options.log?.(m.log.level, m.log.message, m.log.extra);
        return;
      }
      const waiter = this.pending.get(m.id);
      if (!waiter) return;
      this.settled(m.id);
      if (m.ok) {
        waiter.resolve();
      } else {
        const e = Object.assign(new Error(m.error.message), m.error);
        waiter.reject(e);
      }
    });
    const stopped = (e: Error): void => {
      if (this.worker === worker) this.exited ??= e;
      for (const [id, waiter] of this.pending) {
        this.settled(id);
        waiter.reject(e);
      }
    };
    worker.on('error', (e) => stopped(new ProducerThreadExited(`the producer thread failed: ${e.message}`)));
    worker.on('exit', (code) => stopped(new ProducerThreadExited(`the producer thread exited (code ${code})`)));
  }

  private request(body: Request): Promise<void> {
    const worker = this.worker;
    if (this.exited) return Promise.reject(this.exited);
    if (!worker) return Promise.reject(new Error('producer is not connected'));
    const id = ++this.nextId;
    return new Promise<void>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // The thread keeps the process alive only while a request waits for it.
      if (this.pending.size === 1) worker.ref();
      try {
        worker.postMessage({ ...body, id } as ProducerRequest);
      } catch (e) {
        this.settled(id);
        reject(e as Error);
      }
    });
  }

  private settled(id: number): void {
    this.pending.delete(id);
    if (this.pending.size === 0) this.worker?.unref();
  }
}
