import type { ProducedMessage } from '../../sinks/produced-message';

/**
 * Bytes of keys, values and headers per produce request. Below the broker's default `message.max.bytes`
 * (1 048 588), which limits each partition's record batch: a request holds one batch per partition, so a
 * request under this size never has a batch over the limit (the rest is room for record and batch overhead).
 */
export const MAX_PRODUCE_REQUEST_BYTES = 900 * 1024;

/** Per-record overhead counted on top of key, value and headers (lengths, offsets, timestamps), in bytes. */
const RECORD_OVERHEAD_BYTES = 32;

const byteLength = (v: string | Buffer | null): number => (v === null ? 0 : typeof v === 'string' ? Buffer.byteLength(v, 'utf8') : v.length);

/** Approximate bytes of one message in a record batch: key, value, header names and values, overhead. */
export function producedMessageBytes(m: ProducedMessage): number {
  let n = RECORD_OVERHEAD_BYTES + byteLength(m.key) + byteLength(m.value);
  for (const [name, value] of Object.entries(m.headers ?? {})) n += Buffer.byteLength(name, 'utf8') + Buffer.byteLength(value, 'utf8');
  return n;
}

/**
 * Splits messages for several topics into produce requests of at most `maxBytes` each (by
 * {@link producedMessageBytes}), keeping every topic's messages in order across the requests; a message
 * larger than `maxBytes` is a request of its own. Sending the requests one after the other keeps the order.
 */
export function splitProduceRequests(
  byTopic: ReadonlyMap<string, readonly ProducedMessage[]>, maxBytes = MAX_PRODUCE_REQUEST_BYTES,
): Array<Map<string, ProducedMessage[]>> {
  const requests: Array<Map<string, ProducedMessage[]>> = [];
  let current = new Map<string, ProducedMessage[]>();
  let bytes = 0;
  for (const [topic, messages] of byTopic) {
    for (const m of messages) {
      const size = producedMessageBytes(m);
      if (current.size > 0 && bytes + size > maxBytes) {
        requests.push(current);
        current = new Map();
        bytes = 0;
      }
      const list = current.get(topic);
      if (list) list.push(m);
      else current.set(topic, [m]);
      bytes += size;
    }
  }
  if (current.size > 0) requests.push(current);
  return requests;
}
