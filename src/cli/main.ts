// The `vigil` command: `vigil <command> [options]`, `vigil help`, `vigil <command> --help`.
import type { Command, CommandContext } from './command.js';
import { commands } from './commands.js';

function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'usage: vigil <command> [options]',
    '',
    'commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    `  ${'help'.padEnd(width)}  Show this list, or a command's help: vigil help <command>`,
    '',
    'Every command takes --help. Configuration comes from the environment (see README).',
  ].join('\n');
}

function commandHelp(command: Command): string {
  return `usage: ${command.usage}\n\n${command.summary}.\n\n${command.help}`;
}

/** Runs the CLI; resolves with the exit code, or -1 when the command keeps running (serve). */
export async function runCli(argv: string[], context: Omit<CommandContext, 'argv'>): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    const topic = rest[0] === undefined ? undefined : commands.find((c) => c.name === rest[0]);
    context.out(topic ? commandHelp(topic) : usage());
    return 0;
  }
  const command = commands.find((c) => c.name === (name === '--version' || name === '-v' ? 'version' : name));
  if (!command) {
    context.err(`vigil: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    context.out(commandHelp(command));
    return 0;
  }
  try {
    const code = await command.load();
    return await code.run({ ...context, argv: rest });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
      context.err(`vigil ${command.name}: ${(error as Error).message}\nusage: ${command.usage}`);
      return 2;
    }
    context.err(`vigil ${command.name}: ${(error as Error).message}`);
    return 1;
  }
}

export async function main(): Promise<void> {
  // `vigil config | head` closes the pipe early: that is the reader's choice, not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  const code = await runCli(process.argv.slice(2), {
    env: process.env,
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  });
  if (code >= 0) process.exitCode = code;
}
