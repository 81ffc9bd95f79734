export interface CommandContext {
  argv: string[];
  env: NodeJS.ProcessEnv;
  out: (line: string) => void;
  err: (line: string) => void;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** Longer help shown by `vigil <command> --help`. */
  help: string;
  /** Resolves with the exit code. */
  run(context: CommandContext): Promise<number>;
}
