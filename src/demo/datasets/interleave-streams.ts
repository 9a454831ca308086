import type { ProducedMessage } from '../../sinks/produced-message';
import type { DatasetStream } from './dataset-stream';

/**
 * The messages of several keyed streams, round-robin one message per stream (so keys interleave and each
 * key's order is kept). Without `loop` a stream leaves the rotation when its pass ends and the iteration
 * ends with the last one; with `loop` each stream starts a new pass when one ends (a stream whose pass is
 * empty is dropped).
 */
export function* interleaveStreams(streams: readonly DatasetStream[], loop: boolean): Generator<ProducedMessage> {
  let active = streams.map((s) => ({ key: s.key, source: s, it: s.pass(), sentThisPass: 0 }));
  while (active.length > 0) {
    const next: typeof active = [];
    for (const a of active) {
      let r = a.it.next();
      if (r.done && loop && a.sentThisPass > 0) {
        a.it = a.source.pass();
        a.sentThisPass = 0;
        r = a.it.next();
      }
      if (r.done) continue;
      a.sentThisPass++;
      next.push(a);
      yield { key: a.key, value: r.value };
    }
    active = next;
  }
}
