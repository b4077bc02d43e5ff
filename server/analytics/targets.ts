/**
 * Targets: a goal for one organisation's metric (DSO, CEI, overdue %, DBT) measured from a
 * baseline, e.g. "DSO −15% in six months". Every metric value — baseline when not given,
 * and the current one — is the metric over the 90 days ending on that day (period.ts).
 *
 * Progress = (current − baseline) / (goal − baseline) × 100, so it reads the same for metrics
 * that should fall (DSO, overdue %, DBT) and rise (CEI). Expected progress grows linearly from
 * 0 on the baseline date to 100 on the due date; a target is on track when its progress is at
 * least that, achieved at 100, missed when the due date has passed without it.
 */
import { z } from 'zod';
import { type CalendarDate, diffDays, isCalendarDate, longDate } from '../../kernel/dates';
import { computeMetrics, type MetricInvoice } from '../domain/metrics';
import { roundRatio } from '../domain/metrics/exact';
import { overduePct } from './figures';
import { windowEnding } from './period';

export const TARGET_METRICS = ['dso', 'cei', 'overdue_pct', 'dbt'] as const;
export type TargetMetric = (typeof TARGET_METRICS)[number];

const DateSchema = z.string().refine(isCalendarDate, { message: 'Enter a date.' });
const Value = z.number().finite().min(-1e9).max(1e9);

export const TargetInputSchema = z
  .object({
    metric: z.enum(TARGET_METRICS),
    goalKind: z.enum(['relative', 'absolute']),
    /** relative: percent change from the baseline (−15 means 15% lower); absolute: the value. */
    goalValue: Value,
    dueDate: DateSchema,
    baselineDate: DateSchema.optional(),
    /** Taken from the data on baselineDate when omitted. */
    baselineValue: Value.optional(),
    note: z.string().max(500).optional(),
  })
  .strict();
export type TargetInput = z.infer<typeof TargetInputSchema>;

export const TargetPatchSchema = z
  .object({ goalKind: z.enum(['relative', 'absolute']), goalValue: Value, dueDate: DateSchema, note: z.string().max(500), baselineValue: Value, baselineDate: DateSchema })
  .partial()
  .strict();

export const METRIC_LABELS: Record<TargetMetric, string> = { dso: 'DSO', cei: 'CEI', overdue_pct: 'Overdue %', dbt: 'DBT' };

/** The metric over the 90 days ending on `day`, or null when it is undefined there. */
export function metricValue(base: readonly MetricInvoice[], metric: TargetMetric, day: CalendarDate): number | null {
  const m = computeMetrics(base, windowEnding(day));
  switch (metric) {
    case 'dso':
      return m.dso;
    case 'cei':
      return m.cei;
    case 'dbt':
      return m.dbt;
    case 'overdue_pct':
      return overduePct(m.arEnd, m.currentArEnd);
    default: {
      const never: never = metric;
      throw new Error(`unknown metric ${String(never)}`);
    }
  }
}

/** Hundredths as integers, so goal and progress arithmetic stays exact. */
const cents = (v: number) => BigInt(Math.round(v * 100));

export function goalOf(t: { baselineValue: number; goalKind: 'relative' | 'absolute'; goalValue: number }): number {
  if (t.goalKind === 'absolute') return t.goalValue;
  // baseline × (100 + pct) / 100, rounded once to 2 decimals
  return roundRatio(cents(t.baselineValue) * (10000n + cents(t.goalValue)), 1000000n)!;
}

export interface TargetProgress {
  goal: number;
  current: number | null;
  progressPct: number | null;
  expectedPct: number;
  status: 'achieved' | 'on_track' | 'behind' | 'missed' | 'no_data';
  summary: string;
}

export function targetProgress(
  t: { metric: TargetMetric; baselineValue: number; baselineDate: CalendarDate; goalKind: 'relative' | 'absolute'; goalValue: number; dueDate: CalendarDate },
  current: number | null,
  today: CalendarDate,
): TargetProgress {
  const goal = goalOf(t);
  const span = diffDays(t.baselineDate, t.dueDate);
  const elapsed = diffDays(t.baselineDate, today);
  const expectedPct = span <= 0 ? 100 : Math.min(100, Math.max(0, Math.round((elapsed / span) * 1000) / 10));
  const progressPct = current === null ? null : roundRatio((cents(current) - cents(t.baselineValue)) * 100n, cents(goal) - cents(t.baselineValue));
  const label = METRIC_LABELS[t.metric];
  const unit = t.metric === 'cei' || t.metric === 'overdue_pct' ? '%' : ' days';
  let status: TargetProgress['status'];
  if (current === null) status = 'no_data';
  else if (progressPct === null ? current === goal : progressPct >= 100) status = 'achieved';
  else if (today > t.dueDate) status = 'missed';
  else status = (progressPct ?? 0) >= expectedPct ? 'on_track' : 'behind';
  const summary =
    current === null
      ? `${label} has no value for the 90 days to ${longDate(today)}`
      : `${label} ${t.baselineValue}${unit} → ${current}${unit} (goal ${goal}${unit} by ${longDate(t.dueDate)}): ${progressPct ?? 100}% of the way, ${expectedPct}% expected by now`;
  return { goal, current, progressPct, expectedPct, status, summary };
}
