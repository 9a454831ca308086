/**
 * One keyed sequence of a dataset: the Kafka message key and a factory for one pass over its message
 * values (strings, in sequence order). `pass()` is called again for every loop over the dataset; a pass may
 * be endless (generators).
 */
export interface DatasetStream {
  readonly key: string;
  pass(): Iterator<string>;
}
