export interface CommandContext {
  argv: string[];
  env: NodeJS.ProcessEnv;
  out: (line: string) => void;
  err: (line: string) => void;
}

/** What a command's module (commands/<name>.ts) exports. */
export interface CommandModule {
  /** Resolves with the exit code, or -1 when the command keeps running (serve). */
  run(context: CommandContext): Promise<number>;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** Longer help shown by `vigil <command> --help`. */
  help: string;
  /** Loads the command's code: only the command that runs is loaded. */
  load(): Promise<CommandModule>;
}

/** Resolves with the first SIGINT or SIGTERM, for commands that serve until stopped (the simulators). */
export function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
