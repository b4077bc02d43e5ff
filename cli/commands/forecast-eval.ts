/**
 * `arcus forecast-eval`: last quarter's forecast against actuals, week by week, with bias and
 * MAPE (decision 039), for the demo companies (the sandbox generator's synthetic ledgers, built
 * in memory) and, with --csv, the public IBM sample. Each is run as the app runs it
 * (`lastQuarterOf`: the scoring re-run as of the quarter's start on the history known then), with
 * and without the never-paid rule. Xero companies (and the IBM sample, unless --fitted) use the
 * no-fit method: nothing is trained on them.
 */
import { readFileSync } from 'node:fs';
import { DEFAULT_DEMO_COMPANIES, seedDemo } from '../../integrations/sandbox/demo';
import { DEFAULT_SANDBOX_SEED } from '../../integrations/sandbox/server';
import { SandboxStore } from '../../integrations/sandbox/store';
import { type CalendarDate, isCalendarDate, toDayNumber } from '../../kernel/dates';
import { parseHistoryCsv } from '../../server/domain/ar-history-csv';
import { TrainingRows } from '../../server/scoring/data-use';
import { type LastQuarter, lastQuarterOf } from '../../server/scoring/forecast-load';
import type { HistoryInvoice } from '../../server/scoring/history';
import { type Command, UsageError } from '../command';

const USAGE = 'arcus forecast-eval [--today YYYY-MM-DD] [--seed N] [--csv IBM.csv [--fitted]] [--json]';

/** A sandbox company's ledger as the app's history (what the sync would store): settlements from payments, credit notes and prepayments. */
export function demoHistory(store: SandboxStore, companyId: string): HistoryInvoice[] {
  const events = new Map<string, { date: CalendarDate; amount: number }[]>();
  const add = (invoiceId: string, date: CalendarDate, amount: number) => events.set(invoiceId, [...(events.get(invoiceId) ?? []), { date, amount }]);
  for (const p of store.payments.values()) if (p.companyId === companyId && p.status === 'AUTHORISED') for (const a of p.allocations) add(a.invoiceId, a.date ?? p.date, a.amount);
  for (const c of store.creditNotes.values()) if (c.companyId === companyId && c.status !== 'VOIDED' && c.status !== 'DELETED' && c.status !== 'DRAFT') for (const a of c.allocations) add(a.invoiceId, a.date ?? c.date, a.amount);
  for (const c of store.prepayments.values()) if (c.companyId === companyId && c.status !== 'VOIDED') for (const a of c.allocations) add(a.invoiceId, a.date ?? c.date, a.amount);
  const company = store.company(companyId);
  const out: HistoryInvoice[] = [];
  for (const inv of store.invoices.values()) {
    if (inv.companyId !== companyId || inv.status === 'DRAFT' || inv.status === 'VOIDED' || inv.status === 'DELETED' || inv.total <= 0) continue;
    const byDay = new Map<CalendarDate, number>();
    if (inv.deposit) byDay.set(inv.issueDate, inv.deposit);
    for (const e of events.get(inv.id) ?? []) byDay.set(e.date, (byDay.get(e.date) ?? 0) + e.amount);
    const days = [...byDay.keys()].sort();
    let cum = 0;
    const cums = days.map((d) => (cum += byDay.get(d)!));
    const k = cums.findIndex((c) => c >= inv.total);
    out.push({
      id: inv.id,
      organisationId: companyId,
      externalId: inv.id,
      number: inv.number,
      contactExternalId: inv.contactId,
      contactId: null,
      issueDate: inv.issueDate,
      dueDate: inv.dueDate ?? inv.issueDate,
      currency: inv.currency,
      rate: inv.currencyRate,
      baseCurrency: company.baseCurrency,
      total: inv.total,
      settledDate: k >= 0 ? days[k]! : inv.status === 'PAID' ? (inv.fullyPaidOnDate ?? null) : null,
      settlementDays: days,
      settlementCum: cums,
      disputedOn: null,
    });
  }
  return out;
}

/** The IBM sample as one organisation's history; a disputed invoice's dispute is taken as known from its due date. */
function ibmHistory(text: string): HistoryInvoice[] {
  return parseHistoryCsv(text).map((r, i) => {
    const total = Math.round(r.amount * 100);
    return {
      id: `ibm-${i}`,
      organisationId: 'ibm',
      externalId: r.invoiceNumber,
      number: r.invoiceNumber,
      contactExternalId: r.customerId,
      contactId: null,
      issueDate: r.invoiceDate,
      dueDate: r.dueDate,
      currency: 'USD',
      rate: '1',
      baseCurrency: 'USD',
      total,
      settledDate: r.settledDate,
      settlementDays: r.settledDate ? [r.settledDate] : [],
      settlementCum: r.settledDate ? [total] : [],
      disputedOn: r.disputed ? r.dueDate : null,
    };
  });
}

interface Line {
  name: string;
  method: string;
  withRule: LastQuarter;
  withoutRule: LastQuarter;
}

function run(name: string, history: HistoryInvoice[], organisationId: string, provider: string, day: CalendarDate): Line {
  const rows = TrainingRows.select(history, new Map([[organisationId, provider]]));
  const params = { organisationId, orgHistory: history, rows, day };
  return { name, method: rows.allows(organisationId) ? 'fitted' : 'no-fit', withRule: lastQuarterOf(params), withoutRule: lastQuarterOf({ ...params, neverPaid: false }) };
}

const pct = (x: number | null) => (x === null ? '—' : `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`);
const money = (m: number) => (m / 100).toLocaleString('en-GB', { maximumFractionDigits: 0 });

export const command: Command = {
  name: 'forecast-eval',
  summary: 'Last quarter’s cash forecast vs actuals (bias, MAPE) on the demo companies and the IBM sample',
  usage: USAGE,
  async run(args) {
    let today: CalendarDate = '2026-12-07';
    let seed = DEFAULT_SANDBOX_SEED;
    let csv: string | null = null;
    let fitted = false;
    let json = false;
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      if (a === '--json') json = true;
      else if (a === '--fitted') fitted = true;
      else if (a === '--today') {
        today = args[++i] ?? '';
        if (!isCalendarDate(today)) throw new UsageError('--today needs YYYY-MM-DD');
      } else if (a === '--seed') {
        seed = Number(args[++i]);
        if (!Number.isInteger(seed)) throw new UsageError('--seed needs a whole number');
      } else if (a === '--csv') {
        csv = args[++i] ?? null;
        if (!csv) throw new UsageError('--csv needs a file');
      } else throw new UsageError(`unknown option ${a}`);
    }
    const lines: Line[] = [];
    const store = new SandboxStore();
    const ids = seedDemo(store, { seed, companies: [...DEFAULT_DEMO_COMPANIES], today, now: (toDayNumber(today) + 1) * 86_400_000 });
    for (const id of ids) {
      const company = store.company(id);
      lines.push(run(company.name, demoHistory(store, id), id, company.provider, today));
    }
    if (csv) {
      const history = ibmHistory(readFileSync(csv, 'utf8'));
      const last = history.reduce((m, h) => (h.issueDate > m ? h.issueDate : m), '0000-00-00');
      lines.push(run('IBM sample', history, 'ibm', fitted ? 'quickbooks' : 'xero', last));
    }
    if (json) {
      console.log(JSON.stringify(lines.map((l) => ({ name: l.name, method: l.method, asOf: l.withRule.asOf, withRule: l.withRule, withoutRule: { bias: l.withoutRule.bias, mape: l.withoutRule.mape, expected: l.withoutRule.expected } })), null, 2));
      return 0;
    }
    const out: string[] = [`Last quarter's 13-week forecast vs actuals (demo seed ${seed}, today ${today}; target |bias| ≤ 10% of collected)`];
    for (const l of lines) {
      const q = l.withRule;
      out.push(
        '',
        `${l.name} (${l.method}), forecast as of ${q.asOf}: open ${money(q.open)}, forecast ${money(q.expected)}, collected ${money(q.actual)}, never paid ${money(q.neverPaid)}`,
        `  bias ${pct(q.bias)}  MAPE ${pct(q.mape).replace('+', '')}   (without the never-paid rule and stale timing: bias ${pct(l.withoutRule.bias)}, MAPE ${pct(l.withoutRule.mape).replace('+', '')})`,
        `  week from     forecast    collected`,
        ...q.weeks.map((w) => `  ${w.weekStart}  ${money(w.expected).padStart(10)}  ${money(w.actual).padStart(10)}`),
      );
    }
    console.log(out.join('\n'));
    return 0;
  },
};
