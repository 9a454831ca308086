import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CheckpointStore, type LoadedCheckpoint } from './checkpoint-store';

/** The newest valid checkpoint of one instance. */
export interface InstanceCheckpoint {
  readonly instance: string;
  readonly checkpoint: LoadedCheckpoint;
}

/**
 * The checkpoints of every instance of a consumer group under one shared directory: `root/instances/<name>/`
 * holds each instance's own {@link CheckpointStore}. An instance writes only its own folder and reads all of
 * them, so a partition's state can be taken from whichever instance saved it last (after a rebalance or a crash).
 */
export class InstanceCheckpoints {
  readonly own: CheckpointStore;

  constructor(readonly root: string, readonly instance: string, private readonly keep: number) {
    this.own = new CheckpointStore(join(root, 'instances', instance), keep);
  }

  /** The newest valid checkpoint of each instance (own first); `skipped` hears of each invalid one passed over. */
  async latestOfAll(skipped: (dir: string, reason: string) => void = () => undefined): Promise<InstanceCheckpoint[]> {
    let names: string[];
    try {
      names = await readdir(join(this.root, 'instances'));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const out: InstanceCheckpoint[] = [];
    for (const name of [this.instance, ...names.filter((n) => n !== this.instance).sort()]) {
      if (!names.includes(name)) continue;
      const store = name === this.instance ? this.own : new CheckpointStore(join(this.root, 'instances', name), this.keep);
      const checkpoint = await store.latest(skipped);
      if (checkpoint) out.push({ instance: name, checkpoint });
    }
    return out;
  }
}
