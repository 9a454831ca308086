import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** What a checkpoint's manifest records about each of its files. */
export interface CheckpointFileEntry {
  readonly bytes: number;
  /** Hex SHA-256 of the file's content. */
  readonly sha256: string;
}

/** manifest.json of a checkpoint directory. */
export interface CheckpointManifest {
  readonly version: 1;
  /** Sequence number; the newest checkpoint has the largest. */
  readonly seq: number;
  /** ISO time of writing. */
  readonly createdAt: string;
  readonly files: Readonly<Record<string, CheckpointFileEntry>>;
  /** Caller's JSON data (offsets, configuration, counters …). */
  readonly meta: unknown;
}

/** A checkpoint read back and verified. */
export interface LoadedCheckpoint {
  readonly dir: string;
  readonly manifest: CheckpointManifest;
  readonly files: ReadonlyMap<string, Buffer>;
}

const PREFIX = 'ckpt-';
const TMP_PREFIX = '.tmp-';
const FILE_NAME = /^[A-Za-z0-9._-]+$/;

/**
 * Durable checkpoints in a directory: each is a folder `ckpt-<seq>` holding the caller's files and a
 * manifest with their sizes and SHA-256. A write goes to a temporary folder, every file and the folder are
 * fsynced, then it is renamed into place (atomic on POSIX) and the parent is fsynced: a crash leaves either
 * the whole checkpoint or none. Reading takes the newest checkpoint whose files all match the manifest and
 * reports the ones it skipped (partial, corrupt). The `keep` newest are kept.
 */
export class CheckpointStore {
  constructor(readonly dir: string, private readonly keep: number) {
    if (!Number.isInteger(keep) || keep < 1) throw new RangeError(`checkpoint keep must be an integer ≥ 1, got ${keep}`);
  }

  /** Writes a checkpoint; resolves once it is durable. Throws (with the directory in the message) when it cannot. */
  async write(files: ReadonlyMap<string, Buffer>, meta: unknown): Promise<{ dir: string; seq: number }> {
    for (const name of files.keys()) {
      if (!FILE_NAME.test(name) || name === 'manifest.json') throw new RangeError(`checkpoint file name ${JSON.stringify(name)} is not allowed`);
    }
    try {
      await mkdir(this.dir, { recursive: true });
      const seq = (await this.sequenceNumbers()).reduce((a, b) => Math.max(a, b), 0) + 1;
      const tmp = join(this.dir, `${TMP_PREFIX}${seq}-${randomBytes(4).toString('hex')}`);
      await mkdir(tmp);
      const entries: Record<string, CheckpointFileEntry> = {};
      for (const [name, data] of files) {
        await writeDurably(join(tmp, name), data);
        entries[name] = { bytes: data.length, sha256: sha256(data) };
      }
      const manifest: CheckpointManifest = { version: 1, seq, createdAt: new Date().toISOString(), files: entries, meta };
      await writeDurably(join(tmp, 'manifest.json'), Buffer.from(JSON.stringify(manifest)));
      await fsyncDir(tmp);
      const final = join(this.dir, `${PREFIX}${String(seq).padStart(10, '0')}`);
      await rename(tmp, final);
      await fsyncDir(this.dir);
      await this.prune();
      return { dir: final, seq };
    } catch (e) {
      throw new Error(`cannot write a checkpoint in ${this.dir}: ${(e as Error).message}`, { cause: e });
    }
  }

  /** The newest valid checkpoint (undefined if none); `skipped` receives each newer one that was not valid, with why. */
  async latest(skipped: (dir: string, reason: string) => void = () => undefined): Promise<LoadedCheckpoint | undefined> {
    for (const seq of (await this.sequenceNumbers()).sort((a, b) => b - a)) {
      const dir = join(this.dir, `${PREFIX}${String(seq).padStart(10, '0')}`);
      const r = await readVerified(dir);
      if (typeof r === 'string') skipped(dir, r);
      else return r;
    }
    return undefined;
  }

  /** The manifests of the checkpoints on disk, newest first (unreadable ones left out; nothing verified). */
  async manifests(): Promise<CheckpointManifest[]> {
    const out: CheckpointManifest[] = [];
    for (const seq of (await this.sequenceNumbers()).sort((a, b) => b - a)) {
      try {
        out.push(JSON.parse(await readFile(join(this.dir, `${PREFIX}${String(seq).padStart(10, '0')}`, 'manifest.json'), 'utf8')) as CheckpointManifest);
      } catch {
        // a partial or corrupt checkpoint: latest() reports it
      }
    }
    return out;
  }

  /** Removes all but the `keep` newest checkpoints, and leftovers of interrupted writes. */
  private async prune(): Promise<void> {
    const names = await readdir(this.dir);
    const seqs = (await this.sequenceNumbers()).sort((a, b) => b - a);
    for (const seq of seqs.slice(this.keep)) await rm(join(this.dir, `${PREFIX}${String(seq).padStart(10, '0')}`), { recursive: true, force: true });
    for (const n of names) if (n.startsWith(TMP_PREFIX)) await rm(join(this.dir, n), { recursive: true, force: true });
  }

  private async sequenceNumbers(): Promise<number[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    return names.filter((n) => n.startsWith(PREFIX) && /^\d+$/.test(n.slice(PREFIX.length))).map((n) => Number(n.slice(PREFIX.length)));
  }
}

async function readVerified(dir: string): Promise<LoadedCheckpoint | string> {
  let manifest: CheckpointManifest;
  try {
    manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as CheckpointManifest;
  } catch (e) {
    return `manifest unreadable: ${(e as Error).message}`;
  }
  if (manifest?.version !== 1 || typeof manifest.files !== 'object' || manifest.files === null) return 'manifest has an unknown format';
  const files = new Map<string, Buffer>();
  for (const [name, entry] of Object.entries(manifest.files)) {
    if (!FILE_NAME.test(name)) return `manifest names a bad file ${JSON.stringify(name)}`;
    let data: Buffer;
    try {
      data = await readFile(join(dir, name));
    } catch (e) {
      return `${name}: ${(e as Error).message}`;
    }
    if (data.length !== entry.bytes) return `${name}: ${data.length} bytes, manifest says ${entry.bytes}`;
    if (sha256(data) !== entry.sha256) return `${name}: checksum mismatch`;
    files.set(name, data);
  }
  return { dir, manifest, files };
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

async function writeDurably(path: string, data: Buffer): Promise<void> {
  const fh = await open(path, 'wx');
  try {
    // Whole-buffer writes (usually one call), not writeFile's 512 KiB chunks: every chunk waits for a turn of
    // the event loop, which training keeps busy, so a 100 MB file took minutes while the service was loaded.
    for (let at = 0; at < data.length;) at += (await fh.write(data, at, data.length - at, at)).bytesWritten;
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function fsyncDir(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
