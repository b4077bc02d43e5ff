import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseInstant } from '../../kernel/clock';
import { type EvalLine, EvalFileError, type EvalResult, evaluate, parseEvalLines } from '../../server/replies/eval';
import { TRIAGE_LABELS, TRIAGE_WORDS } from '../../server/replies/triage';
import { type Command, UsageError } from '../command';

const USAGE = 'arcus triage-eval [--set FILE.jsonl] [--json]';

/** The labelled set written for the tests (several languages; a tuning part and a held-out part). */
export const BUILT_IN_SET = fileURLToPath(new URL('../../test/replies/fixtures/replies.jsonl', import.meta.url));

const pct = (x: number | null) => (x === null ? '   —  ' : `${(x * 100).toFixed(1).padStart(5)}%`);

function table(title: string, r: EvalResult): string[] {
  const lines = [`${title}: ${r.n} replies`, `  ${'class'.padEnd(32)} precision  recall   labelled  predicted`];
  for (const label of TRIAGE_LABELS) {
    const c = r.per_class[label];
    lines.push(`  ${TRIAGE_WORDS[label].padEnd(32)} ${pct(c.precision)}    ${pct(c.recall)}   ${String(c.support).padStart(5)}     ${String(c.predicted).padStart(5)}`);
  }
  lines.push(`  ${'macro average'.padEnd(32)} ${pct(r.macro_precision)}    ${pct(r.macro_recall)}`);
  lines.push(`  promise dates read right: ${r.promise_date_accuracy === null ? 'none labelled' : `${pct(r.promise_date_accuracy).trim()} of ${r.promise_dates_checked}`}`);
  return lines;
}

export const command: Command = {
  name: 'triage-eval',
  summary: 'Precision and recall of reply triage, per class, on a labelled set',
  usage: USAGE,
  async run(args) {
    let file = BUILT_IN_SET;
    let json = false;
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      if (a === '--json') json = true;
      else if (a === '--set') {
        const v = args[++i];
        if (!v || v.startsWith('--')) throw new UsageError('--set needs a file');
        file = v;
      } else if (a.startsWith('--set=')) file = a.slice(6);
      else throw new UsageError(`unknown option ${a}`);
    }
    let lines: EvalLine[];
    try {
      lines = parseEvalLines(readFileSync(file, 'utf8'));
    } catch (err) {
      if (err instanceof EvalFileError) throw new UsageError(`${file}: ${err.message}`);
      throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    if (lines.length === 0) throw new UsageError(`${file} has no lines`);
    // Lines without sent_at are read relative to the clock (ARCUS_NOW pins it).
    const pinned = process.env['ARCUS_NOW'];
    const now = pinned ? new Date(parseInstant(pinned)) : new Date();
    const all = evaluate(lines, now);
    const parts = [...new Set(lines.map((l) => l.part).filter((p): p is string => Boolean(p)))];
    const byPart = Object.fromEntries(parts.map((p) => [p, evaluate(lines.filter((l) => l.part === p), now)]));
    if (json) {
      const strip = ({ mistakes: _m, ...r }: EvalResult) => r;
      console.log(JSON.stringify({ ...strip(all), ...(parts.length > 1 ? { parts: Object.fromEntries(Object.entries(byPart).map(([k, v]) => [k, strip(v)])) } : {}) }, null, 2));
      return 0;
    }
    const out = table('All', all);
    if (parts.length > 1) for (const p of parts) out.push('', ...table(`Part “${p}”`, byPart[p]!));
    console.log(out.join('\n'));
    return 0;
  },
};
