/**
 * Chronic late payers across the firm's portfolio (decision 039): the explicit definition of
 * server/domain/scoring/chronic.ts applied to every customer of every organisation, month by
 * month over the last 12 months, and who they are today, with the suggested actions.
 */
import { eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { contacts, organisations } from '../db/schema';
import { type CalendarDate, todayIn } from '../../kernel/dates';
import { CHRONIC_ACTIONS, CHRONIC_DEFINITION, type ChronicMonth, chronicLate, chronicTrend } from '../domain/scoring/chronic';
import { customerKey, type HistoryInvoice } from './history';
import { loadHistory } from './history-load';

export interface ChronicCustomer {
  organisationId: string;
  organisationName: string;
  contactId: string | null;
  contactExternalId: string;
  name: string;
  /** Paid invoices looked at, the share paid late, the median days late. */
  invoices: number;
  lateShare: number;
  medianDaysLate: number;
}

export interface PortfolioChronic {
  definition: string;
  actions: readonly { title: string; text: string }[];
  asOf: CalendarDate;
  trend: ChronicMonth[];
  /** Today's chronic late payers, the latest median first (at most 100). */
  customers: ChronicCustomer[];
  totalChronic: number;
}

export async function portfolioChronic(db: Db, firmId: string, now: Date): Promise<PortfolioChronic> {
  const orgs = await db.select({ id: organisations.id, name: organisations.name, timezone: organisations.timezone }).from(organisations).where(eq(organisations.firmId, firmId));
  // One "today" for the portfolio: UTC's (each organisation's is within a day of it).
  const day = todayIn('UTC', now);
  const history = await loadHistory(db, { firmId });
  const byCustomer = new Map<string, HistoryInvoice[]>();
  for (const inv of history) {
    const key = customerKey(inv.organisationId, inv.contactExternalId);
    const list = byCustomer.get(key);
    if (list) list.push(inv);
    else byCustomer.set(key, [inv]);
  }
  const trend = chronicTrend(byCustomer.values(), day);
  const orgName = new Map(orgs.map((o) => [o.id, o.name]));
  const found: (ChronicCustomer & { key: string })[] = [];
  for (const [key, invoices] of byCustomer) {
    const v = chronicLate(invoices, day);
    if (!v.chronic) continue;
    const first = invoices[0]!;
    found.push({
      key,
      organisationId: first.organisationId,
      organisationName: orgName.get(first.organisationId) ?? '',
      contactId: invoices.find((i) => i.contactId !== null)?.contactId ?? null,
      contactExternalId: first.contactExternalId,
      name: first.contactExternalId,
      invoices: v.invoices,
      lateShare: Math.round(v.lateShare * 1000) / 1000,
      medianDaysLate: v.medianDaysLate,
    });
  }
  found.sort((a, b) => b.medianDaysLate - a.medianDaysLate || a.key.localeCompare(b.key));
  const shown = found.slice(0, 100);
  if (shown.length > 0) {
    const names = await db.select({ organisationId: contacts.organisationId, externalId: contacts.externalId, id: contacts.id, name: contacts.name }).from(contacts).where(eq(contacts.firmId, firmId));
    const byKey = new Map(names.map((c) => [customerKey(c.organisationId, c.externalId), c]));
    for (const c of shown) {
      const k = byKey.get(c.key);
      if (k) {
        c.name = k.name;
        c.contactId = k.id;
      }
    }
  }
  return { definition: CHRONIC_DEFINITION, actions: CHRONIC_ACTIONS, asOf: day, trend, customers: shown.map(({ key: _, ...c }) => c), totalChronic: found.length };
}
