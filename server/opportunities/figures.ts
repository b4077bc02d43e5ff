/**
 * What opportunities and benchmarks read: every organisation of the firm, managed or not, with its
 * figures over the period from the portfolio (rollups: DSO, CEI, overdue share, the DSO of the 90
 * days before, credit sales, open invoices — in the reporting currency where there is a rate), its
 * credit sales over the 12 months to the period's end (the portfolio again, for the size band), and
 * its DBT from the metrics engine over its invoices (the rollups do not carry settlement dates).
 * Nothing is re-implemented here.
 */
import { and, eq } from 'drizzle-orm';
import { type CalendarDate, longDate } from '../../kernel/dates';
import { getAnalyticsSettings } from '../analytics/firm-settings';
import { loadLedgerInvoices, toBaseMetricInvoices } from '../analytics/ledger-invoices';
import { periodDays } from '../analytics/period';
import { getPortfolio, type Portfolio } from '../analytics/portfolio';
import type { Db } from '../db/client';
import { clientServices, firms, opportunityPitches, practiceLedgers, users } from '../db/schema';
import type { HelpThresholds, Period } from '../domain/metrics';
import { monthsEnding, windowKpis } from '../reports/kpis';
import type { ClientFigures } from './core';
import { getOpportunitySettings, type OpportunitySettings } from './settings';

export interface FirmFigures {
  firmName: string;
  period: Period;
  reportingCurrency: string;
  thresholds: HelpThresholds;
  settings: OpportunitySettings;
  portfolio: Portfolio;
  clients: ClientFigures[];
}

export async function loadFirmFigures(db: Db, p: { firmId: string; period: Period; today: CalendarDate }): Promise<FirmFigures> {
  const analytics = await getAnalyticsSettings(db, p.firmId);
  const common = { firmId: p.firmId, reportingCurrency: analytics.reportingCurrency, thresholds: analytics.needsHelp, today: p.today };
  const [portfolio, trailing, settings, [firm], practice] = await Promise.all([
    getPortfolio(db, { ...common, period: p.period }),
    getPortfolio(db, { ...common, period: monthsEnding(p.period.to, 12) }),
    getOpportunitySettings(db, p.firmId),
    db.select({ name: firms.name }).from(firms).where(eq(firms.id, p.firmId)),
    // The firm's own books (its practice ledger, server/fees/) are not a client to pitch to.
    db.select({ organisationId: practiceLedgers.organisationId }).from(practiceLedgers).where(eq(practiceLedgers.firmId, p.firmId)),
  ]);
  const own = new Set(practice.map((r) => r.organisationId));
  const trailingBy = new Map(trailing.rows.map((r) => [r.organisationId, r]));
  const clients: ClientFigures[] = [];
  for (const row of portfolio.rows) {
    if (own.has(row.organisationId)) continue;
    // DBT: the engine over the organisation's invoices, in its base currency (a ratio: no conversion needed).
    const base = toBaseMetricInvoices(await loadLedgerInvoices(db, { firmId: p.firmId, organisationId: row.organisationId }), row.baseCurrency);
    const [k] = windowKpis(base, [p.period]);
    const t = trailingBy.get(row.organisationId);
    clients.push({
      organisationId: row.organisationId,
      name: row.name,
      industry: null,
      dso: row.dso,
      cei: row.cei,
      dbt: k?.dbt ?? null,
      overduePct: row.overduePct,
      dsoCompare: row.dsoCompare,
      creditSales: row.creditSales,
      days: periodDays(p.period),
      trailingSales: t && t.currency === analytics.reportingCurrency ? t.creditSales : null,
      openInvoices: row.openInvoices,
      currency: row.currency,
    });
  }
  return { firmName: firm?.name ?? '', period: p.period, reportingCurrency: analytics.reportingCurrency, thresholds: analytics.needsHelp, settings, portfolio, clients };
}

export const PITCH_STATUS_WORDS = { pitched: 'Pitched', won: 'Won', declined: 'Declined' } as const;
export type PitchStatus = keyof typeof PITCH_STATUS_WORDS;

export interface PitchState {
  status: PitchStatus;
  note: string;
  setAt: Date;
  by: string | null;
}

export async function listPitches(db: Db, firmId: string): Promise<Map<string, PitchState>> {
  const rows = await db
    .select({ organisationId: opportunityPitches.organisationId, status: opportunityPitches.status, note: opportunityPitches.note, setAt: opportunityPitches.setAt, by: users.name })
    .from(opportunityPitches)
    .leftJoin(users, eq(users.id, opportunityPitches.setByUserId))
    .where(eq(opportunityPitches.firmId, firmId));
  return new Map(rows.map((r) => [r.organisationId, { status: r.status as PitchStatus, note: r.note, setAt: r.setAt, by: r.by }]));
}

/** "Pitched on 3 December 2026 by Dana Demo" / "Not pitched yet". */
export function pitchText(p: PitchState | undefined): string {
  if (!p) return 'Not pitched yet';
  return `${PITCH_STATUS_WORDS[p.status]} on ${longDate(p.setAt.toISOString().slice(0, 10))}${p.by ? ` by ${p.by}` : ''}`;
}

/** Start dates of the firm's managed services, by organisation. */
export async function listServices(db: Db, firmId: string, organisationId?: string): Promise<Map<string, { startDate: CalendarDate; baseline: unknown }>> {
  const rows = await db
    .select({ organisationId: clientServices.organisationId, startDate: clientServices.startDate, baseline: clientServices.baseline })
    .from(clientServices)
    .where(organisationId ? and(eq(clientServices.firmId, firmId), eq(clientServices.organisationId, organisationId)) : eq(clientServices.firmId, firmId));
  return new Map(rows.map((r) => [r.organisationId, { startDate: r.startDate, baseline: r.baseline }]));
}
