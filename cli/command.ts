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

/** A long-running command: on SIGINT or SIGTERM, close and exit (0 when closed cleanly). */
export function closeOnSignal(close: () => Promise<void>): void {
  const stop = () => {
    close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
