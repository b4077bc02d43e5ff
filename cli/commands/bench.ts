import { parseArgs } from 'node:util';
import { analyticsBench } from '../../server/bench/analytics';
import { largeOrganisationBench } from '../../server/bench/large-organisation';
import { loadBench } from '../../server/bench/load';
import { metricsEngineBench } from '../../server/bench/metrics-engine';
import { remindersBench } from '../../server/bench/reminders';
import { writebacksBench } from '../../server/bench/writebacks';
import { syncBench } from '../../server/bench/sync';
import { scoringBench } from '../../server/bench/scoring';
import type { Bench, BenchFigure } from '../../server/bench/types';
import type { Command } from '../command';
import { workersBench } from '../bench/workers';
import { UsageError } from '../command';

/**
 * `--profile large` builds issue #22's large cases whatever --scale says: the analytics bench's
 * portfolio at 10M invoices (5,000 organisations × 2,000) and the large-organisation bench's one
 * organisation of 500,000 invoices. Hours on a small machine (docs/capacity.md).
 */
const PROFILES: Record<string, Record<string, number>> = {
  large: { analytics: 10, 'large-org': 1 },
};

/** Every benchmark; each measures its own baseline in the same run. */
const BENCHES: Bench[] = [metricsEngineBench, scoringBench, analyticsBench, largeOrganisationBench, loadBench, syncBench, remindersBench, writebacksBench, workersBench];

function fmt(n: number): string {
  return n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2);
}

export const command: Command = {
  name: 'bench',
  summary: 'Run the performance benchmarks and print their figures',
  usage: 'arcus bench [--only NAME[,NAME]] [--scale 0.1] [--profile large] [--json]',
  async run(args) {
    const { values } = parseArgs({ args, options: { only: { type: 'string' }, scale: { type: 'string', default: '1' }, profile: { type: 'string' }, json: { type: 'boolean', default: false } } });
    const scale = Number(values.scale);
    if (!(scale > 0 && scale <= 10)) throw new UsageError('--scale must be a number in (0, 10]');
    const profile = values.profile === undefined ? null : PROFILES[values.profile];
    if (profile === undefined) throw new UsageError(`unknown profile ${values.profile}; known: ${Object.keys(PROFILES).join(', ')}`);
    const only = values.only?.split(',') ?? (profile ? Object.keys(profile) : undefined);
    const unknown = only?.filter((o) => !BENCHES.some((b) => b.name === o));
    if (unknown?.length) throw new UsageError(`unknown bench ${unknown.join(', ')}; known: ${BENCHES.map((b) => b.name).join(', ')}`);
    const figures: BenchFigure[] = [];
    for (const bench of BENCHES.filter((b) => !only || only.includes(b.name))) {
      if (!values.json) console.log(`\n# ${bench.name} — ${bench.summary}`);
      const started = Date.now();
      const rows = await bench.run({ scale: profile?.[bench.name] ?? scale });
      if (!values.json && profile) console.log(`  (built and measured in ${Math.round((Date.now() - started) / 1000)} s)`);
      figures.push(...rows);
      if (!values.json) {
        for (const r of rows) {
          const base = r.baseline ? `  | baseline (${r.baseline.label}): ${fmt(r.baseline.value)} ${r.unit}  | ratio ${r.ratio?.toFixed(2)}×` : '';
          console.log(`  ${r.figure}: ${fmt(r.value)} ${r.unit}${base}${r.target ? `  | target ${r.target}` : ''}`);
        }
      }
    }
    if (values.json) console.log(JSON.stringify(figures, null, 2));
    return 0;
  },
};
