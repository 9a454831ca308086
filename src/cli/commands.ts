import type { Command } from './command';

/**
 * The command table: one entry per `tbptt-stream <name>` subcommand, each in its own file under
 * src/cli/commands/. Loaded lazily so that one command's heavy imports do not slow the others.
 */
export const commands: ReadonlyArray<{ name: string; load: () => Promise<Command> }> = [
  { name: 'grad', load: async () => (await import('./commands/grad')).gradCommand },
  { name: 'estimate', load: async () => (await import('./commands/estimate')).estimateCommand },
  { name: 'run', load: async () => (await import('./commands/run')).runCommand },
  { name: 'config', load: async () => (await import('./commands/config')).configCommand },
  { name: 'experiment', load: async () => (await import('./commands/experiment')).experimentCommand },
  { name: 'produce', load: async () => (await import('./commands/produce')).produceCommand },
  { name: 'demo', load: async () => (await import('./commands/demo')).demoCommand },
];
