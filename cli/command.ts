/** One `arcus` subcommand. `run` returns the process exit code. */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(args: string[]): Promise<number>;
}

/** A usage error: printed as one line with the command's usage, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
