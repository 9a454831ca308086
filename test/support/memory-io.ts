import { Readable, Writable } from 'node:stream';
import type { CommandIO } from '../../src/cli/command';

/** In-memory streams for running a CLI command in-process: stdin from a string, stdout/stderr captured. */
export interface MemoryIO extends CommandIO {
  /** Everything written to stdout so far. */
  out(): string;
  /** Everything written to stderr so far. */
  err(): string;
}

/** A CommandIO whose stdin yields `input` and whose outputs are collected as text. */
export function memoryIO(input: string): MemoryIO {
  const sink = (): { stream: Writable; text: () => string } => {
    const chunks: Buffer[] = [];
    const stream = new Writable({
      write(chunk: Buffer | string, _enc, done): void {
        chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
        done();
      },
    });
    return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
  };
  const stdout = sink();
  const stderr = sink();
  return {
    stdin: Readable.from([Buffer.from(input, 'utf8')]),
    stdout: stdout.stream,
    stderr: stderr.stream,
    out: stdout.text,
    err: stderr.text,
  };
}
