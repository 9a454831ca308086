import { commands } from './commands';
import type { CommandIO } from './command';

const processIO: CommandIO = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };

/** Entry point of the `tbptt-stream` binary: dispatches to a subcommand and returns its exit code. */
export async function main(argv: readonly string[], io: CommandIO = processIO): Promise<number> {
  const [name, ...rest] = argv;
  const entry = commands.find((c) => c.name === name);
  if (!entry) {
    const lines = ['usage: tbptt-stream <command> [options]', '', 'commands:'];
    for (const c of commands) lines.push(`  ${c.name.padEnd(12)} ${(await c.load()).summary}`);
    (name === undefined || name === 'help' || name === '--help' ? io.stdout : io.stderr).write(lines.join('\n') + '\n');
    return name === undefined || name === 'help' || name === '--help' ? 0 : 2;
  }
  const command = await entry.load();
  return command.run(rest, io);
}
