/** Streams a command reads and writes; injected so tests can run commands in-process. */
export interface CommandIO {
  readonly stdin: NodeJS.ReadableStream;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

/** One `tbptt-stream <name>` subcommand. Returns the process exit code. */
export interface Command {
  readonly name: string;
  /** One line for `tbptt-stream help`. */
  readonly summary: string;
  run(args: readonly string[], io: CommandIO): Promise<number>;
}

/** Reads a whole stream as UTF-8 text. */
export async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** Exit code for bad input (a message naming the field goes to stderr). */
export const EXIT_BAD_INPUT = 2;
