/**
 * A client's service: its start date and the baseline frozen then (migration 0035). Starting (or
 * moving the start of) a service computes the baseline once from the ledger as it is that day
 * and stores it; reports compare with the stored figures, never recomputed.
 */
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { type CalendarDate, isCalendarDate, longDate, todayIn } from '../../kernel/dates';
import { invalidField, notFound } from '../../kernel/errors';
import { loadLedgerInvoices, toBaseMetricInvoices } from '../analytics/ledger-invoices';
import type { Db } from '../db/client';
import { clientServices, organisations } from '../db/schema';
import { ATTRIBUTION_DAYS_DEFAULT, ATTRIBUTION_DAYS_MAX } from './attribution';
import { type Baseline, computeBaseline } from './baseline';

export const ServiceInputSchema = z
  .object({
    startDate: z.string().refine(isCalendarDate, { message: 'Enter the day the service started.' }),
    attributionDays: z.number().int().min(0).max(ATTRIBUTION_DAYS_MAX).optional(),
  })
  .strict();
export type ServiceInput = z.infer<typeof ServiceInputSchema>;

export interface ClientService {
  startDate: CalendarDate;
  attributionDays: number;
  baseline: Baseline;
}

export async function getClientService(db: Db, firmId: string, organisationId: string): Promise<ClientService | null> {
  const [row] = await db
    .select({ startDate: clientServices.startDate, attributionDays: clientServices.attributionDays, baseline: clientServices.baseline })
    .from(clientServices)
    .where(and(eq(clientServices.firmId, firmId), eq(clientServices.organisationId, organisationId)));
  return row ? { startDate: row.startDate, attributionDays: row.attributionDays, baseline: row.baseline as Baseline } : null;
}

/** Start (or restart) the service on `startDate`: freezes the baseline of the 3 and 6 months before it. */
export async function startClientService(db: Db, p: { firmId: string; organisationId: string; userId: string | null; input: ServiceInput; now: Date }): Promise<ClientService> {
  const [org] = await db
    .select({ timezone: organisations.timezone, baseCurrency: organisations.baseCurrency })
    .from(organisations)
    .where(and(eq(organisations.firmId, p.firmId), eq(organisations.id, p.organisationId)));
  if (!org) throw notFound('No such organisation.');
  const today = todayIn(org.timezone, p.now);
  if (p.input.startDate > today) throw invalidField('startDate', `Choose a start date on or before today, ${longDate(today)}.`);
  const base = toBaseMetricInvoices(await loadLedgerInvoices(db, { firmId: p.firmId, organisationId: p.organisationId }), org.baseCurrency);
  const baseline = computeBaseline(base, p.input.startDate, org.baseCurrency);
  const attributionDays = p.input.attributionDays ?? ATTRIBUTION_DAYS_DEFAULT;
  const values = { startDate: p.input.startDate, baseline, attributionDays, frozenAt: p.now, setByUserId: p.userId, updatedAt: p.now };
  await db
    .insert(clientServices)
    .values({ firmId: p.firmId, organisationId: p.organisationId, ...values })
    .onConflictDoUpdate({ target: [clientServices.organisationId, clientServices.firmId], set: values });
  return { startDate: p.input.startDate, attributionDays, baseline };
}
