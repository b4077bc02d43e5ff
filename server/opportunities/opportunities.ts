/**
 * The Opportunities view and the pitch (server/opportunities/README.md): every client of the
 * firm ranked by the cash a benchmark DSO would release, in words and formatted amounts, and the
 * pitch status — where winning starts the client's service through the reports service
 * (startClientService: the same function as PUT /api/organisations/:id/service).
 */
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { type CalendarDate, isCalendarDate, longDate, todayIn } from '../../kernel/dates';
import { invalidField, notFound } from '../../kernel/errors';
import type { Minor } from '../../kernel/money';
import type { Db } from '../db/client';
import { opportunityPitches, organisations } from '../db/schema';
import { amountNumber, type Period } from '../domain/metrics';
import { formatMoney } from '../reminders/render';
import { getClientService, startClientService } from '../reports/service';
import { BENCHMARK_METRICS, METRIC_WORDS, type Opportunity, rankOpportunities, type SizeBand } from './core';
import { type FirmFigures, listPitches, listServices, loadFirmFigures, type PitchStatus, pitchText } from './figures';
import { bandsIn, tiersIn } from './settings';

export interface Money {
  amount: number;
  text: string;
}

export interface OpportunityRow {
  /** For links and buttons only; never shown. */
  organisationId: string;
  rank: number;
  name: string;
  /** "Managed since 1 June 2026", or "Not managed yet". */
  serviceText: string;
  managed: boolean;
  /** For the badge's colour only; the words are statusText. */
  status: PitchStatus | 'none';
  statusText: string;
  note: string;
  currency: string;
  metrics: { name: string; unit: 'days' | '%'; value: number | null; benchmark: number | null; worse: boolean | null }[];
  benchmark: { groupName: string; sentence: string };
  dailySales: Money | null;
  cashReleased: Money | null;
  cashSentence: string;
  reasons: string[];
  proposal: { tierName: string; monthlyFee: Money; yearlyFee: Money; sentence: string } | null;
}

export interface OpportunitiesView {
  firmName: string;
  periodText: string;
  currency: string;
  /** How peer groups are made, in words (no organisation carries an industry yet). */
  groupsNote: string;
  proposalRule: string;
  rows: OpportunityRow[];
}

const money = (units: Minor, currency: string): Money => ({ amount: amountNumber(units), text: formatMoney(units, currency, null) });
export const periodText = (p: Period) => `${longDate(p.from)} to ${longDate(p.to)}`;

function bandsSentence(bands: readonly SizeBand[], currency: string): string {
  const parts = bands.map((b, i) => (b.below === null ? `${b.name} (${money(bands[i - 1]?.below ?? 0, currency).text} or more)` : `${b.name} (under ${money(b.below, currency).text})`));
  return `Organisations carry no industry yet, so clients are grouped by size alone: their sales over the 12 months to the period's end — ${parts.join(', ')}. A group of fewer than 3 clients is compared with all clients instead.`;
}

function tierRule(f: FirmFigures): string {
  const tiers = tiersIn(f.settings, f.reportingCurrency);
  const parts = tiers.map((t, i) => `${t.name} ${t.maxOpenInvoices === null ? `above ${tiers[i - 1]?.maxOpenInvoices ?? 0}` : `up to ${t.maxOpenInvoices}`} open invoices at ${money(t.monthlyFee, f.reportingCurrency).text} a month`);
  return `The proposed tier follows the client's open invoices: ${parts.join('; ')}.`;
}

function rowOf(o: Opportunity, rank: number, f: FirmFigures, pitches: Awaited<ReturnType<typeof listPitches>>, services: Awaited<ReturnType<typeof listServices>>): OpportunityRow {
  const c = o.client;
  const p = pitches.get(c.organisationId);
  const s = services.get(c.organisationId);
  const cur = c.currency;
  const gap = c.dso !== null && o.benchmark.values.dso !== null ? Math.round((c.dso - o.benchmark.values.dso) * 100) / 100 : null;
  const cashSentence =
    o.cashReleased === null || o.dailySales === null
      ? 'There is no DSO to compare for this period.'
      : o.cashReleased === 0
        ? `DSO is already at or better than the benchmark of ${o.benchmark.values.dso!.toFixed(2)} days.`
        : `DSO is ${gap!.toFixed(2)} days above the benchmark of ${o.benchmark.values.dso!.toFixed(2)} days; at ${money(o.dailySales, cur).text} of sales a day, reaching it would release ${money(o.cashReleased, cur).text}.`;
  const tierFee = o.tier ? money(o.tier.monthlyFee, f.reportingCurrency) : null;
  return {
    organisationId: c.organisationId,
    rank,
    name: c.name,
    serviceText: s ? `Managed since ${longDate(s.startDate)}` : 'Not managed yet',
    managed: Boolean(s),
    status: p?.status ?? 'none',
    statusText: pitchText(p),
    note: p?.note ?? '',
    currency: cur,
    metrics: BENCHMARK_METRICS.map((m) => {
      const value = c[m];
      const benchmark = o.benchmark.values[m];
      const worse = value === null || benchmark === null || value === benchmark ? null : m === 'cei' ? value < benchmark : value > benchmark;
      return { ...METRIC_WORDS[m], value, benchmark, worse };
    }),
    benchmark: { groupName: o.benchmark.groupName, sentence: o.benchmark.sentence },
    dailySales: o.dailySales === null ? null : money(o.dailySales, cur),
    cashReleased: o.cashReleased === null ? null : money(o.cashReleased, cur),
    cashSentence,
    reasons: o.reasons,
    proposal:
      o.tier && tierFee
        ? { tierName: o.tier.name, monthlyFee: tierFee, yearlyFee: money(o.tier.monthlyFee * 12, f.reportingCurrency), sentence: `${o.tier.name}: ${c.openInvoices} open invoice${c.openInvoices === 1 ? '' : 's'}, ${tierFee.text} a month (${money(o.tier.monthlyFee * 12, f.reportingCurrency).text} a year).` }
        : null,
  };
}

export async function getOpportunities(db: Db, p: { firmId: string; period: Period; today: CalendarDate }): Promise<OpportunitiesView> {
  const f = await loadFirmFigures(db, p);
  const [pitches, services] = await Promise.all([listPitches(db, p.firmId), listServices(db, p.firmId)]);
  const ranked = rankOpportunities(f.clients, {
    bands: bandsIn(f.settings, f.reportingCurrency),
    limits: { dsoAbove: f.settings.dsoAbove, overduePctAbove: f.settings.overduePctAbove, dsoIncreasePct: f.thresholds.dsoIncreasePct, ceiBelow: f.thresholds.ceiBelow },
    tiers: tiersIn(f.settings, f.reportingCurrency),
    reportingCurrency: f.reportingCurrency,
  });
  return {
    firmName: f.firmName,
    periodText: periodText(p.period),
    currency: f.reportingCurrency,
    groupsNote: bandsSentence(bandsIn(f.settings, f.reportingCurrency), f.reportingCurrency),
    proposalRule: tierRule(f),
    rows: ranked.map((o, i) => rowOf(o, i + 1, f, pitches, services)),
  };
}

// ── pitch status ──────────────────────────────────────────────────────────

export const PitchInputSchema = z
  .object({
    status: z.enum(['pitched', 'won', 'declined'], { message: 'Choose pitched, won or declined.' }),
    note: z.string().max(1000, { message: 'Use at most 1,000 characters.' }).optional(),
    /** When won: the service's first day (default today in the organisation's time zone). */
    startDate: z.string().refine(isCalendarDate, { message: 'Enter the day the service started.' }).optional(),
  })
  .strict();
export type PitchInput = z.infer<typeof PitchInputSchema>;

/** Records where the pitch stands; `won` starts the service (freezing its baseline) in the same transaction — unless the client is already managed and no start date is given. */
export async function setPitchStatus(db: Db, p: { firmId: string; organisationId: string; userId: string | null; input: PitchInput; now: Date }): Promise<{ statusText: string; serviceText: string | null }> {
  const [org] = await db.select({ timezone: organisations.timezone }).from(organisations).where(and(eq(organisations.firmId, p.firmId), eq(organisations.id, p.organisationId)));
  if (!org) throw notFound('No such organisation.');
  if (p.input.startDate && p.input.status !== 'won') throw invalidField('startDate', 'A start date goes with a won pitch only.');
  const values = { status: p.input.status, note: p.input.note?.trim() ?? '', setByUserId: p.userId, setAt: p.now };
  let serviceText: string | null = null;
  await db.transaction(async (tx) => {
    await tx
      .insert(opportunityPitches)
      .values({ firmId: p.firmId, organisationId: p.organisationId, ...values })
      .onConflictDoUpdate({ target: [opportunityPitches.organisationId, opportunityPitches.firmId], set: values });
    if (p.input.status === 'won') {
      // A client already managed keeps its service and frozen baseline, unless a start date is given.
      const existing = p.input.startDate ? null : await getClientService(tx as unknown as Db, p.firmId, p.organisationId);
      if (existing) {
        serviceText = `Managed since ${longDate(existing.startDate)}`;
        return;
      }
      const startDate = p.input.startDate ?? todayIn(org.timezone, p.now);
      const service = await startClientService(tx as unknown as Db, { firmId: p.firmId, organisationId: p.organisationId, userId: p.userId, input: { startDate }, now: p.now });
      serviceText = `Managed since ${longDate(service.startDate)}`;
    }
  });
  const pitches = await listPitches(db, p.firmId);
  return { statusText: pitchText(pitches.get(p.organisationId)), serviceText };
}
