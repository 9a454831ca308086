import { EXIT_BAD_INPUT, type Command, type CommandIO } from '../command';
import { ConfigError, describeOrigin } from '../../errors';
import { CONFIG_KEYS } from '../../config/config-keys';
import { describeConfig } from '../../config/describe-config';
import { resolveConfig } from '../../config/load-config';

/** The process facts the command reads besides its arguments. */
export interface ConfigCommandContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

const USAGE = `usage: tbptt-stream config [--config PATH] [--section.key=value ...] [--origins | --keys]

Prints the effective configuration as JSON: defaults ← file (--config PATH or TBPTT_CONFIG) ← environment
(TBPTT_<SECTION>_<KEY>) ← flags. Exits 2 and lists every problem when the configuration is invalid.
  --origins  print each value that is not a default with where it came from, instead of JSON
  --keys     print the table of every key (type, default, environment variable, description)
`;

/** `tbptt-stream config` reading the given environment and working directory (injected for tests). */
export function createConfigCommand(context: () => ConfigCommandContext): Command {
  return {
    name: 'config',
    summary: 'print the effective configuration as JSON (file, env and flags applied), or its problems',
    async run(args: readonly string[], io: CommandIO): Promise<number> {
      if (args.includes('--help') || args.includes('-h')) {
        io.stdout.write(USAGE);
        return 0;
      }
      if (args.includes('--keys')) {
        io.stdout.write(describeConfig());
        return 0;
      }
      const showOrigins = args.includes('--origins');
      const { env, cwd } = context();
      const resolved = resolveConfig({ argv: args.filter((a) => a !== '--origins'), env, cwd });
      if (resolved.problems.length > 0) {
        io.stderr.write(new ConfigError(resolved.problems).message + '\n');
        io.stderr.write('Fix these in the file, environment or flags named above; "tbptt-stream config --keys" lists every key.\n');
        return EXIT_BAD_INPUT;
      }
      if (!showOrigins) {
        io.stdout.write(JSON.stringify(resolved.config, null, 2) + '\n');
        return 0;
      }
      const lines = [`file: ${resolved.file ?? '(none)'}`];
      for (const k of CONFIG_KEYS) {
        const origin = resolved.origins.get(k.path);
        if (origin === undefined || origin.kind === 'default') continue;
        const value = k.path.split('.').reduce<unknown>((o, p) => (o as Record<string, unknown>)[p], resolved.config);
        lines.push(`${k.path} = ${JSON.stringify(value)}  (${describeOrigin(origin)})`);
      }
      if (lines.length === 1) lines.push('(every key has its default)');
      io.stdout.write(lines.join('\n') + '\n');
      return 0;
    },
  };
}

/** `tbptt-stream config`, on the process environment and working directory. */
export const configCommand: Command = createConfigCommand(() => ({ env: process.env, cwd: process.cwd() }));
