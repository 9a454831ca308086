import { Kafka, logLevel, type IHeaders } from 'kafkajs';

export function testKafka(bootstrap: string): Kafka {
  return new Kafka({ clientId: 'tbptt-test', brokers: [bootstrap], logLevel: logLevel.NOTHING });
}

export interface ReadMessage {
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly value: Buffer | null;
  readonly headers: Record<string, string>;
}

/** Reads every message of `topic` from the beginning up to its current end (a fresh group each call). */
export async function readAll(kafka: Kafka, topic: string, timeoutMs = 60_000): Promise<ReadMessage[]> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)]));
  await admin.disconnect();
  const out: ReadMessage[] = [];
  const total = [...ends.values()].reduce((a, b) => a + b, 0n);
  if (total === 0n) return out;
  const consumer = kafka.consumer({ groupId: `reader-${topic}-${Date.now()}-${Math.random()}`, sessionTimeout: 10_000, heartbeatInterval: 1000 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${out.length} of ${total} messages of ${topic}`)), timeoutMs);
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          if (BigInt(message.offset) >= (ends.get(partition) ?? 0n)) return;
          out.push({ partition, offset: message.offset, key: message.key?.toString() ?? null, value: message.value, headers: headersOf(message.headers) });
          if (BigInt(out.length) >= total) { clearTimeout(timer); resolve(); }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return out;
}

function headersOf(h: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h ?? {})) if (v !== undefined) out[k] = Array.isArray(v) ? String(v[0]) : String(v);
  return out;
}

/** Committed offsets of a group for a topic, by partition. */
export async function committedOffsets(kafka: Kafka, groupId: string, topic: string): Promise<Map<number, string>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return new Map((t?.partitions ?? []).map((p) => [p.partition, p.offset]));
  } finally {
    await admin.disconnect();
  }
}

/** Polls `check` every 100 ms until it returns true, or throws after `timeoutMs` with `what`. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, what: () => string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms: ${what()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
