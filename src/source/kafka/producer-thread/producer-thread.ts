/**
 * The producer thread's entry point: a kafkajs producer ({@link KafkaProducerSink}) that encodes and sends
 * what the service's thread hands over. Started by {@link ThreadedProducerSink}; not a module to import.
 */
import { parentPort } from 'node:worker_threads';
import type { ProducedMessage } from '../../../sinks/produced-message';
import { createKafkaClient } from '../kafka-client';
import { KafkaProducerSink } from '../kafka-producer-sink';
import type { ProducerError, ProducerReply, ProducerRequest } from './producer-thread-protocol';

const port = parentPort;
if (!port) throw new Error('producer-thread.js runs as a worker thread (see ThreadedProducerSink)');

let sink: KafkaProducerSink | undefined;

/** Keys and values that were Buffers arrive as plain Uint8Arrays: kafkajs writes strings and Buffers only. */
function asSent(m: ProducedMessage): ProducedMessage {
  const bytes = (v: ProducedMessage['value']): ProducedMessage['value'] => {
    const raw = v as unknown;
    return raw instanceof Uint8Array && !Buffer.isBuffer(raw) ? Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength) : v;
  };
  return m.key instanceof Uint8Array || m.value instanceof Uint8Array ? { ...m, key: bytes(m.key), value: bytes(m.value) } : m;
}

function post(reply: ProducerReply): void {
  try {
    port!.postMessage(reply);
  } catch {
    // A log line whose details cannot be copied between threads: pass on its text.
    if ('log' in reply) port!.postMessage({ log: { ...reply.log, extra: {} } });
    else throw new Error('internal: a producer reply could not be posted');
  }
}

async function handle(req: ProducerRequest): Promise<void> {
  switch (req.op) {
    case 'connect': {
      const kafka = createKafkaClient({ brokers: req.brokers, clientId: req.clientId, log: (level, message, extra) => post({ log: { level, message, extra } }) });
      const next = new KafkaProducerSink(kafka);
      await next.connect();
      const before = sink;
      sink = next;
      await before?.disconnect();
      return;
    }
    case 'send': {
      if (!sink) throw new Error('producer is not connected');
      await sink.sendBatch(new Map(req.byTopic.map(([topic, messages]) => [topic, messages.map(asSent)])));
      return;
    }
    case 'disconnect': {
      const before = sink;
      sink = undefined;
      await before?.disconnect();
      return;
    }
  }
}

function describe(e: unknown): ProducerError {
  const err = e as { name?: unknown; message?: unknown; stack?: unknown; retriable?: unknown; type?: unknown };
  return {
    name: typeof err?.name === 'string' ? err.name : 'Error',
    message: typeof err?.message === 'string' ? err.message : String(e),
    ...(typeof err?.stack === 'string' ? { stack: err.stack } : {}),
    ...(typeof err?.retriable === 'boolean' ? { retriable: err.retriable } : {}),
    ...(typeof err?.type === 'string' ? { type: err.type } : {}),
  };
}

// Requests run one after the other, in the order they came: sends keep their order.
let queue: Promise<void> = Promise.resolve();
port.on('message', (req: ProducerRequest) => {
  queue = queue.then(() => handle(req).then(
    () => post({ id: req.id, ok: true }),
    (e: unknown) => post({ id: req.id, ok: false, error: describe(e) }),
  ));
});
