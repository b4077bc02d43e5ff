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
import { UsageError } from '../command';

/** Every benchmark; each measures its own baseline in the same run. */
const BENCHES: Bench[] = [metricsEngineBench, scoringBench, analyticsBench, largeOrganisationBench, loadBench, syncBench, remindersBench, writebacksBench];

function fmt(n: number): string {
  return n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2);
}

export const command: Command = {
  name: 'bench',
  summary: 'Run the performance benchmarks and print their figures',
  usage: 'arcus bench [--only NAME[,NAME]] [--scale 0.1] [--json]',
  async run(args) {
    const { values } = parseArgs({ args, options: { only: { type: 'string' }, scale: { type: 'string', default: '1' }, json: { type: 'boolean', default: false } } });
    const scale = Number(values.scale);
    if (!(scale > 0 && scale <= 10)) throw new UsageError('--scale must be a number in (0, 10]');
    const only = values.only?.split(',');
    const unknown = only?.filter((o) => !BENCHES.some((b) => b.name === o));
    if (unknown?.length) throw new UsageError(`unknown bench ${unknown.join(', ')}; known: ${BENCHES.map((b) => b.name).join(', ')}`);
    const figures: BenchFigure[] = [];
    for (const bench of BENCHES.filter((b) => !only || only.includes(b.name))) {
      if (!values.json) console.log(`\n# ${bench.name} — ${bench.summary}`);
      const rows = await bench.run({ scale });
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
