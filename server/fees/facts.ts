/**
 * What a month's fee is computed from, read through server/reports (never re-implemented here):
 * cash collected through Arcus by decision 031's rule (`attribute`), invoices and customers an
 * Arcus action touched in the month (the same touches), and days of DSO reduced against the frozen
 * baseline for this and the months before (`monthlyGains`).
 */
import { currencyExponent, divRoundHalfEven, type Minor } from '../../kernel/money';
import { loadLedgerInvoices, toBaseMetricInvoices } from '../analytics/ledger-invoices';
import type { Db } from '../db/client';
import { ATTRIBUTION_DAYS_DEFAULT, attribute } from '../reports/attribution';
import { monthlyGains } from '../reports/gains';
import { monthsEnding, windowKpis } from '../reports/kpis';
import { loadTouches, paymentsIn } from '../reports/load';
import { monthRange, type ReportMonth } from '../reports/schedule';
import { getClientService } from '../reports/service';
import type { FeeFacts } from './core';

export interface FeeOrganisation {
  id: string;
  name: string;
  timezone: string;
  baseCurrency: string;
}

/** The ledger figures are cents (2 places, analytics/ledger-invoices.ts); the fee is in the currency's own minor units. */
export function centsToCurrencyMinor(cents: Minor, currency: string): Minor {
  const places = currencyExponent(currency);
  if (places === 2) return cents;
  if (places > 2) return cents * 10 ** (places - 2);
  return Number(divRoundHalfEven(BigInt(cents), BigInt(10 ** (2 - places))));
}

/** `month` and the `count − 1` months before it, newest first. */
export function monthsBack(month: ReportMonth, count: number): ReportMonth[] {
  const out: ReportMonth[] = [];
  let [y, m] = month.split('-').map(Number) as [number, number];
  for (let i = 0; i < count; i++) {
    out.push(`${y}-${String(m).padStart(2, '0')}`);
    m -= 1;
    if (m === 0) {
      m = 12;
      y -= 1;
    }
  }
  return out;
}

export async function loadFeeFacts(db: Db, p: { firmId: string; org: FeeOrganisation; month: ReportMonth; history: number }): Promise<FeeFacts> {
  const { org, month } = p;
  const { from, to } = monthRange(month);
  const service = await getClientService(db, p.firmId, org.id);
  const windowDays = service?.attributionDays ?? ATTRIBUTION_DAYS_DEFAULT;
  const scope = { firmId: p.firmId, organisationId: org.id, timezone: org.timezone };
  const [ledger, touches] = await Promise.all([loadLedgerInvoices(db, { firmId: p.firmId, organisationId: org.id }), loadTouches(db, scope, from, to, windowDays)]);
  const a = attribute(paymentsIn(ledger, org.baseCurrency, from, to), touches, windowDays);
  const inMonth = touches.filter((t) => t.date >= from && t.date <= to);
  const invoices = new Set(inMonth.flatMap((t) => (t.invoiceKeys ?? []).map((k) => `${t.customerKey}\u0000${k}`)));
  const customers = new Set(inMonth.map((t) => t.customerKey));
  const months = monthsBack(month, p.history);
  let dsoReductions: (number | null)[] = months.map(() => null);
  if (service) {
    const startMonth = service.startDate.slice(0, 7);
    const kpis = windowKpis(toBaseMetricInvoices(ledger, org.baseCurrency), months.map((m) => monthsEnding(monthRange(m).to, 3)));
    dsoReductions = months.map((m, i) => (m < startMonth ? null : monthlyGains(service.baseline, kpis[i]!).dsoReduction));
  }
  return {
    currency: org.baseCurrency,
    invoicesChased: invoices.size,
    customersChased: customers.size,
    cashThroughArcus: centsToCurrencyMinor(a.total - a.unattributed, org.baseCurrency),
    dsoReductions,
  };
}
