/**
 * Measuring triage, pure: labelled replies in, precision and recall per class out, with the macro
 * averages and, for promises, the share whose date was read right. Used by `arcus triage-eval` and
 * by test/replies/triage-eval.test.ts.
 *
 * A line: { "subject", "text", "label", "promise_date"?, "sent_at"?, "timezone"?, "part"? }. Date
 * words are read relative to `sent_at` (in `timezone`, default Europe/London) when the line has
 * one, else relative to `defaultSentAt`. `part` (e.g. "tuning" / "held-out") is reported apart.
 */
import { z } from 'zod';
import { isCalendarDate, todayIn } from '../../kernel/dates';
import { TRIAGE_LABELS, type TriageLabel, triage } from './triage';

export const EvalLineSchema = z.object({
  subject: z.string().default(''),
  text: z.string(),
  label: z.enum(TRIAGE_LABELS),
  promise_date: z.string().refine(isCalendarDate, { message: 'must be a date as YYYY-MM-DD' }).nullish(),
  sent_at: z.string().datetime({ offset: true }).nullish(),
  timezone: z.string().nullish(),
  part: z.string().nullish(),
});
export type EvalLine = z.infer<typeof EvalLineSchema>;

export interface ClassFigures {
  precision: number | null;
  recall: number | null;
  support: number;
  predicted: number;
}

export interface EvalResult {
  n: number;
  macro_precision: number;
  macro_recall: number;
  per_class: Record<TriageLabel, ClassFigures>;
  /** Promises with a labelled date whose date was read exactly (null: none labelled). */
  promise_date_accuracy: number | null;
  promise_dates_checked: number;
  mistakes: { line: number; expected: TriageLabel; got: TriageLabel; text: string }[];
}

export class EvalFileError extends Error {
  override name = 'EvalFileError';
}

/** Parse a JSONL file's text; a bad line is an error naming its number. */
export function parseEvalLines(text: string): EvalLine[] {
  const out: EvalLine[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (!raw) continue;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      throw new EvalFileError(`line ${i + 1} is not JSON`);
    }
    const parsed = EvalLineSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new EvalFileError(`line ${i + 1}: ${issue.path.join('.') || 'the line'} ${issue.message.replace(/^Invalid input: /, '')}`);
    }
    out.push(parsed.data);
  }
  return out;
}

const round = (x: number) => Math.round(x * 1000) / 1000;

export function evaluate(lines: readonly EvalLine[], defaultSentAt: Date): EvalResult {
  const tp = new Map<TriageLabel, number>();
  const support = new Map<TriageLabel, number>();
  const predicted = new Map<TriageLabel, number>();
  const inc = (m: Map<TriageLabel, number>, k: TriageLabel) => m.set(k, (m.get(k) ?? 0) + 1);
  let datesChecked = 0;
  let datesRight = 0;
  const mistakes: EvalResult['mistakes'] = [];
  lines.forEach((line, i) => {
    const sentAt = line.sent_at ? new Date(line.sent_at) : defaultSentAt;
    const t = triage({ subject: line.subject, text: line.text, sentOn: todayIn(line.timezone ?? 'Europe/London', sentAt) });
    inc(support, line.label);
    inc(predicted, t.label);
    if (t.label === line.label) inc(tp, line.label);
    else mistakes.push({ line: i + 1, expected: line.label, got: t.label, text: `${line.subject} | ${line.text}`.slice(0, 160) });
    if (line.label === 'promise' && line.promise_date) {
      datesChecked++;
      if (t.promiseDate === line.promise_date) datesRight++;
    }
  });
  const perClass = {} as Record<TriageLabel, ClassFigures>;
  const precisions: number[] = [];
  const recalls: number[] = [];
  for (const label of TRIAGE_LABELS) {
    const s = support.get(label) ?? 0;
    const p = predicted.get(label) ?? 0;
    const hit = tp.get(label) ?? 0;
    const precision = p > 0 ? round(hit / p) : s > 0 ? 0 : null;
    const recall = s > 0 ? round(hit / s) : null;
    perClass[label] = { precision, recall, support: s, predicted: p };
    // Macro averages over the classes the set has (a class never labelled nor predicted is left out).
    if (s > 0 || p > 0) {
      precisions.push(precision ?? 0);
      recalls.push(recall ?? 0);
    }
  }
  const mean = (xs: number[]) => (xs.length ? round(xs.reduce((a, b) => a + b, 0) / xs.length) : 0);
  return {
    n: lines.length,
    macro_precision: mean(precisions),
    macro_recall: mean(recalls),
    per_class: perClass,
    promise_date_accuracy: datesChecked ? round(datesRight / datesChecked) : null,
    promise_dates_checked: datesChecked,
    mistakes,
  };
}
