import type { Command } from './command';
import { UsageError } from './command';

/** Subcommands, loaded only when called so `arcus --help` stays instant. */
const commands: Record<string, () => Promise<{ command: Command }>> = {
  start: () => import('./commands/start'),
  worker: () => import('./commands/worker'),
  migrate: () => import('./commands/migrate'),
  sandbox: () => import('./commands/sandbox'),
  bench: () => import('./commands/bench'),
  metrics: () => import('./commands/metrics'),
  backtest: () => import('./commands/backtest'),
  remind: () => import('./commands/remind'),
  sync: () => import('./commands/sync'),
  fees: () => import('./commands/fees'),
  report: () => import('./commands/report'),
  commissions: () => import('./commands/commissions'),
  'triage-eval': () => import('./commands/triage-eval'),
  'change-eval': () => import('./commands/change-eval'),
  'forecast-eval': () => import('./commands/forecast-eval'),
};

async function help(): Promise<void> {
  const lines = ['Arcus — receivables collections for accounting firms', '', 'Usage: arcus <command> [options]', '', 'Commands:'];
  for (const load of Object.values(commands)) {
    const { command } = await load();
    lines.push(`  ${command.name.padEnd(10)} ${command.summary}`);
  }
  lines.push('', 'Run `arcus <command> --help` for a command’s options.');
  console.log(lines.join('\n'));
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    await help();
    return 0;
  }
  const load = commands[name];
  if (!load) {
    console.error(`arcus: unknown command "${name}". Run \`arcus --help\` for the list.`);
    return 2;
  }
  const { command } = await load();
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(`${command.summary}\n\nUsage: ${command.usage}`);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`arcus ${name}: ${err.message}\nUsage: ${command.usage}`);
      return 2;
    }
    throw err;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    // Long-running commands (start, worker, sandbox) return -1 and keep the process alive.
    if (code >= 0) process.exit(code);
  },
  (err: unknown) => {
    console.error(`arcus: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
