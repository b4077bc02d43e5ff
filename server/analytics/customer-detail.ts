/**
 * One customer: balance and aging now, metrics for the period, monthly payment history over
 * 24 months, its invoices, and a timeline of invoices issued, payments and credits received
 * and everything Arcus or a person did (activities), newest first.
 */
import { and, desc, eq, isNull, ne, or, sql } from 'drizzle-orm';
import { longDate } from '../../kernel/dates';
import type { Db } from '../db/client';
import { activities, writebacks } from '../db/schema';
import { amountNumber, computeMetrics, monthlySeries, type Period } from '../domain/metrics';
import { customerFigures } from './customer-figures';
import { agingBars, SERIES_MONTHS } from './dashboard';
import { checkContacts } from './data-quality';
import { invoiceJson, invoiceRows } from './invoice-list';
import { plainAmount } from './kpis';
import { contactLink, invoiceLink, type LedgerLinkTarget } from './ledger-links';
import { loadLedgerInvoices, toBaseMetricInvoices } from './ledger-invoices';
import type { getContact, OrganisationInfo } from './organisations';

type Contact = NonNullable<Awaited<ReturnType<typeof getContact>>>;

export interface TimelineEntry {
  at: string;
  kind: string;
  summary: string;
  invoiceId: string | null;
  link: string | null;
}

const TIMELINE_LIMIT = 200;

export async function getCustomerDetail(db: Db, params: { firmId: string; organisation: OrganisationInfo; contact: Contact; period: Period; site?: LedgerLinkTarget }) {
  const { firmId, organisation: org, contact, period } = params;
  const site = params.site ?? org.provider;
  const [ledger, acts] = await Promise.all([
    loadLedgerInvoices(db, { firmId, organisationId: org.id, contactExternalId: contact.externalId }),
    db
      .select({ at: activities.createdAt, kind: activities.kind, summary: activities.summary, invoiceId: activities.invoiceId })
      .from(activities)
      .leftJoin(writebacks, and(eq(writebacks.firmId, activities.firmId), sql`${writebacks.id}::text = ${activities.details}->>'writebackId'`))
      // Ledger notes that went through are bookkeeping, as on the Activity timeline: a failed one stays.
      .where(and(eq(activities.firmId, firmId), eq(activities.organisationId, org.id), eq(activities.contactId, contact.id), or(isNull(writebacks.id), ne(writebacks.kind, 'note'), eq(writebacks.status, 'failed'))))
      .orderBy(desc(activities.createdAt))
      .limit(TIMELINE_LIMIT),
  ]);
  const base = toBaseMetricInvoices(ledger, org.baseCurrency);
  const metrics = computeMetrics(base, period);
  const figures = customerFigures(base, metrics);
  const series = monthlySeries(base, period.to, SERIES_MONTHS);
  const rows = invoiceRows(ledger, new Map([[contact.externalId, { id: contact.id, name: contact.name }]]), period.to, site);

  const timeline: TimelineEntry[] = acts.map((a) => ({ at: a.at.toISOString(), kind: a.kind, summary: a.summary, invoiceId: a.invoiceId, link: null }));
  for (const inv of ledger) {
    const label = inv.number || inv.externalId;
    timeline.push({ at: inv.issueDate, kind: 'invoice.issued', summary: `Invoice ${label} issued for ${inv.currency} ${plainAmount(inv.total)}${inv.dueDate ? `, due ${longDate(inv.dueDate)}` : ''}`, invoiceId: inv.id, link: invoiceLink(site, inv.externalId) });
    for (const s of inv.settlements) {
      const what = s.kind === 'credit' ? `Credit ${s.reference || ''}`.trim() : 'Payment';
      const verb = s.amount < 0 ? 'reversed' : s.kind === 'credit' ? 'applied' : 'received';
      timeline.push({ at: s.date, kind: s.kind === 'credit' ? 'credit.applied' : 'payment.received', summary: `${what} ${verb}: ${inv.currency} ${plainAmount(Math.abs(s.amount))} on invoice ${label}`, invoiceId: inv.id, link: invoiceLink(site, inv.externalId) });
    }
  }
  timeline.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));

  return {
    customer: {
      id: contact.id,
      externalId: contact.externalId,
      name: contact.name,
      emails: contact.emails,
      phones: contact.phones,
      addresses: contact.addresses,
      status: contact.status,
      link: contactLink(site, contact.externalId),
    },
    organisation: { id: org.id, name: org.name, provider: org.provider, baseCurrency: org.baseCurrency, timezone: org.timezone },
    currency: org.baseCurrency,
    period: { ...period, days: metrics.days },
    balance: amountNumber(metrics.arEnd),
    overdue: amountNumber(metrics.arEnd - metrics.currentArEnd),
    metrics: {
      avgDaysLate: figures.avgDaysLate,
      add: figures.add,
      dsoCountback: figures.dsoCountback,
      cei: figures.cei,
      dbt: metrics.dbt,
      avgDaysToPay: metrics.avgDaysToPay,
      why: figures.why,
      creditSales: amountNumber(metrics.creditSales),
      collected: amountNumber(metrics.collected),
    },
    aging: agingBars(metrics.aging),
    paymentHistory: series.map((m) => ({ month: m.from.slice(0, 7), invoiced: amountNumber(m.creditSales), collected: amountNumber(m.collected), avgDaysToPay: m.avgDaysToPay, arEnd: amountNumber(m.arEnd) })),
    invoices: rows.sort((a, b) => (a.issueDate < b.issueDate ? 1 : a.issueDate > b.issueDate ? -1 : 0)).map(invoiceJson),
    dataQuality: checkContacts([contact], site),
    timeline: timeline.slice(0, TIMELINE_LIMIT),
  };
}
