/**
 * Commission configuration (docs/decisions/036): where "who sold" comes from, the salespeople and
 * their plans, Arcus's own assignments. Staff only (routes check `commissions.manage`).
 */
import { and, asc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { conflict, invalidField, notFound } from '../../kernel/errors';
import { currencyExponent, fromMinor, type Minor, toMinor } from '../../kernel/money';
import { type Db, queryRows } from '../db/client';
import { asSystem } from '../db/firm-scope';
import { commissionPlans, commissionSettings, contacts, invoiceLines, invoices, memberships, organisations, salespeople, users } from '../db/schema';
import { isRate, type Plan } from './core';

const Rate = z.string().trim().refine(isRate, { message: 'Enter a rate as a decimal between 0 and 1, such as 0.05 for 5%.' });
const Amount = z.string().trim().regex(/^\d{1,12}(\.\d{1,2})?$/, { message: 'Enter an amount, such as 5000.00.' });

export const PlanInputSchema = z
  .object({
    baseRate: Rate,
    tiers: z.array(z.object({ from: Amount, rate: Rate })).max(10).default([]),
    accelerator: z.object({ above: Amount, multiplier: z.string().trim().regex(/^\d{1,2}(\.\d{1,6})?$/, { message: 'Enter a multiplier such as 1.5.' }) }).nullable().default(null),
    cap: Amount.nullable().default(null),
    holdback: z
      .object({ lateDays: z.number().int().min(0).max(365), share: Rate, releaseAfterMonths: z.number().int().min(1).max(12).default(3) })
      .nullable()
      .default(null),
  })
  .strict();
export type PlanInput = z.infer<typeof PlanInputSchema>;

export const SettingsInputSchema = z
  .object({
    source: z.enum(['tracking', 'arcus']),
    trackingCategory: z.string().trim().min(1).max(200).nullable().default(null),
    adpCompanyCode: z.string().trim().max(3).nullable().default(null),
    adpBatchId: z.string().trim().max(25).nullable().default(null),
    adpEarningsCode: z.string().trim().max(2).nullable().default(null),
  })
  .strict();
export type SettingsInput = z.infer<typeof SettingsInputSchema>;

export const SalespersonInputSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    email: z.email().max(320),
    ledgerName: z.string().trim().max(200).nullable().default(null),
    payrollId: z.string().trim().max(64).nullable().default(null),
    /** Give them a sign-in (the salesperson role) to see their own statements. */
    canSignIn: z.boolean().default(false),
    plan: PlanInputSchema,
  })
  .strict();
export type SalespersonInput = z.infer<typeof SalespersonInputSchema>;

export const AssignmentInputSchema = z
  .object({
    salespersonId: z.uuid(),
    contactExternalId: z.string().min(1).max(200).optional(),
    invoiceExternalId: z.string().min(1).max(200).optional(),
  })
  .strict();

export function planFromInput(p: PlanInput, currency: string): Plan {
  const exp = currencyExponent(currency);
  const m = (v: string): Minor => toMinor(v, exp, true);
  return {
    baseRate: p.baseRate,
    tiers: p.tiers.map((t) => ({ from: m(t.from), rate: t.rate })),
    accelerator: p.accelerator ? { above: m(p.accelerator.above), multiplier: p.accelerator.multiplier } : null,
    cap: p.cap === null ? null : m(p.cap),
    holdback: p.holdback,
  };
}

/** A stored plan back into the wire's words (decimal amounts). */
export function planToInput(p: Plan, currency: string): PlanInput {
  const exp = currencyExponent(currency);
  const d = (v: Minor) => fromMinor(v, exp);
  return {
    baseRate: p.baseRate,
    tiers: p.tiers.map((t) => ({ from: d(t.from), rate: t.rate })),
    accelerator: p.accelerator ? { above: d(p.accelerator.above), multiplier: p.accelerator.multiplier } : null,
    cap: p.cap === null ? null : d(p.cap),
    holdback: p.holdback,
  };
}

export interface OrgRow {
  id: string;
  name: string;
  baseCurrency: string;
  timezone: string;
}

export async function orgOf(db: Db, firmId: string, organisationId: string): Promise<OrgRow> {
  const [org] = await db
    .select({ id: organisations.id, name: organisations.name, baseCurrency: organisations.baseCurrency, timezone: organisations.timezone })
    .from(organisations)
    .where(and(eq(organisations.firmId, firmId), eq(organisations.id, organisationId)));
  if (!org) throw notFound('No such organisation.');
  return org;
}

export interface CommissionSettings {
  source: 'tracking' | 'arcus';
  trackingCategory: string | null;
  adpCompanyCode: string | null;
  adpBatchId: string | null;
  adpEarningsCode: string | null;
}

export async function getSettings(db: Db, firmId: string, organisationId: string): Promise<CommissionSettings> {
  const [row] = await db.select().from(commissionSettings).where(and(eq(commissionSettings.firmId, firmId), eq(commissionSettings.organisationId, organisationId)));
  if (!row) return { source: 'arcus', trackingCategory: null, adpCompanyCode: null, adpBatchId: null, adpEarningsCode: null };
  return { source: row.source as 'tracking' | 'arcus', trackingCategory: row.trackingCategory, adpCompanyCode: row.adpCompanyCode, adpBatchId: row.adpBatchId, adpEarningsCode: row.adpEarningsCode };
}

export async function saveSettings(db: Db, firmId: string, organisationId: string, input: SettingsInput): Promise<CommissionSettings> {
  await orgOf(db, firmId, organisationId);
  if (input.source === 'tracking' && !input.trackingCategory) throw invalidField('trackingCategory', 'Choose the tracking category (or class) that names the salesperson.');
  const values = { ...input, trackingCategory: input.source === 'tracking' ? input.trackingCategory : null, updatedAt: new Date() };
  await db
    .insert(commissionSettings)
    .values({ firmId, organisationId, ...values })
    .onConflictDoUpdate({ target: [commissionSettings.organisationId, commissionSettings.firmId], set: values });
  return getSettings(db, firmId, organisationId);
}

/** The tracking categories on this organisation's invoice lines (QuickBooks classes come as "Class"). */
export async function trackingCategoriesOf(db: Db, firmId: string, organisationId: string): Promise<string[]> {
  const rows = await queryRows<{ name: string }>(db, sql`
    SELECT DISTINCT t->>'name' AS name FROM ${invoiceLines} l JOIN ${invoices} i ON i.id = l.invoice_id AND i.firm_id = l.firm_id,
      jsonb_array_elements(CASE WHEN jsonb_typeof(l.tracking) = 'array' THEN l.tracking ELSE '[]'::jsonb END) t
    WHERE l.firm_id = ${firmId} AND i.organisation_id = ${organisationId} AND coalesce(t->>'name', '') <> '' ORDER BY 1`);
  return rows.map((r) => r.name);
}

export interface Salesperson {
  id: string;
  name: string;
  email: string;
  ledgerName: string | null;
  payrollId: string | null;
  canSignIn: boolean;
  plan: PlanInput | null;
}

export async function listSalespeople(db: Db, firmId: string, org: OrgRow): Promise<Salesperson[]> {
  const rows = await db
    .select({ id: salespeople.id, name: salespeople.name, email: salespeople.email, ledgerName: salespeople.ledgerName, payrollId: salespeople.payrollId, userId: salespeople.userId, plan: commissionPlans.plan })
    .from(salespeople)
    .leftJoin(commissionPlans, and(eq(commissionPlans.salespersonId, salespeople.id), eq(commissionPlans.firmId, salespeople.firmId)))
    .where(and(eq(salespeople.firmId, firmId), eq(salespeople.organisationId, org.id)))
    .orderBy(asc(salespeople.name));
  return rows.map((r) => ({ id: r.id, name: r.name, email: r.email, ledgerName: r.ledgerName, payrollId: r.payrollId, canSignIn: r.userId !== null, plan: r.plan ? planToInput(r.plan as Plan, org.baseCurrency) : null }));
}

/**
 * A user of the salesperson role for this address (the existing user if they have no other role
 * here), as the system: a user row belongs to no firm and may exist in another (as invitations do).
 */
async function salespersonUser(db: Db, firmId: string, name: string, email: string): Promise<string> {
  const lower = email.toLowerCase();
  return asSystem(() =>
    db.transaction(async (tx) => {
      const [existing] = await tx.select({ id: users.id }).from(users).where(sql`lower(${users.email}) = ${lower}`).orderBy(asc(users.createdAt)).limit(1);
      const userId = existing?.id ?? (await tx.insert(users).values({ email: lower, name, authProvider: 'email', authSubject: `salesperson:${lower}` }).returning({ id: users.id }))[0]!.id;
      const [member] = await tx.select({ role: memberships.role }).from(memberships).where(and(eq(memberships.firmId, firmId), eq(memberships.userId, userId)));
      if (member && member.role !== 'salesperson') throw conflict('This address belongs to someone who already has another role at the firm: use another address for their statements.');
      if (!member) await tx.insert(memberships).values({ firmId, userId, role: 'salesperson' });
      return userId;
    }),
  );
}

export async function saveSalesperson(db: Db, firmId: string, organisationId: string, id: string | null, input: SalespersonInput): Promise<Salesperson> {
  const org = await orgOf(db, firmId, organisationId);
  const plan = planFromInput(input.plan, org.baseCurrency);
  const userId = input.canSignIn ? await salespersonUser(db, firmId, input.name, input.email) : null;
  const saved = await db.transaction(async (tx) => {
    const clash = await tx
      .select({ id: salespeople.id })
      .from(salespeople)
      .where(and(eq(salespeople.firmId, firmId), eq(salespeople.organisationId, org.id), sql`lower(${salespeople.email}) = ${input.email.toLowerCase()}`));
    if (clash.some((c) => c.id !== id)) throw invalidField('email', 'Another salesperson of this organisation has this address.');
    const values = { name: input.name, email: input.email, ledgerName: input.ledgerName || null, payrollId: input.payrollId || null, userId };
    let personId = id;
    if (personId) {
      const done = await tx.update(salespeople).set(values).where(and(eq(salespeople.firmId, firmId), eq(salespeople.id, personId))).returning({ id: salespeople.id });
      if (!done.length) throw notFound('No such salesperson.');
    } else {
      personId = (await tx.insert(salespeople).values({ firmId, organisationId: org.id, ...values }).returning({ id: salespeople.id }))[0]!.id;
    }
    await tx
      .insert(commissionPlans)
      .values({ firmId, salespersonId: personId, organisationId: org.id, plan })
      .onConflictDoUpdate({ target: [commissionPlans.salespersonId, commissionPlans.firmId], set: { plan, updatedAt: new Date() } });
    return personId;
  });
  return (await listSalespeople(db, firmId, org)).find((p) => p.id === saved)!;
}

export async function organisationOfSalesperson(db: Db, firmId: string, id: string): Promise<string> {
  const [row] = await db.select({ organisationId: salespeople.organisationId }).from(salespeople).where(and(eq(salespeople.firmId, firmId), eq(salespeople.id, id)));
  if (!row) throw notFound('No such salesperson.');
  return row.organisationId;
}

export async function assignSalesperson(db: Db, firmId: string, organisationId: string, input: z.infer<typeof AssignmentInputSchema>): Promise<void> {
  if (Boolean(input.contactExternalId) === Boolean(input.invoiceExternalId)) throw invalidField('target', 'Choose either a customer or an invoice.');
  if ((await organisationOfSalesperson(db, firmId, input.salespersonId).catch(() => null)) !== organisationId) throw invalidField('salespersonId', 'Choose a salesperson of this organisation.');
  if (input.contactExternalId) {
    const [c] = await db.select({ id: contacts.id }).from(contacts).where(and(eq(contacts.firmId, firmId), eq(contacts.organisationId, organisationId), eq(contacts.externalId, input.contactExternalId)));
    if (!c) throw invalidField('contactExternalId', 'This organisation has no such customer.');
    await db.execute(sql`INSERT INTO commission_assignments (firm_id, organisation_id, salesperson_id, contact_external_id) VALUES (${firmId}, ${organisationId}, ${input.salespersonId}, ${input.contactExternalId})
      ON CONFLICT (firm_id, organisation_id, contact_external_id) WHERE contact_external_id IS NOT NULL DO UPDATE SET salesperson_id = EXCLUDED.salesperson_id`);
  } else {
    const [i] = await db.select({ id: invoices.id }).from(invoices).where(and(eq(invoices.firmId, firmId), eq(invoices.organisationId, organisationId), eq(invoices.externalId, input.invoiceExternalId!)));
    if (!i) throw invalidField('invoiceExternalId', 'This organisation has no such invoice.');
    await db.execute(sql`INSERT INTO commission_assignments (firm_id, organisation_id, salesperson_id, invoice_external_id) VALUES (${firmId}, ${organisationId}, ${input.salespersonId}, ${input.invoiceExternalId})
      ON CONFLICT (firm_id, organisation_id, invoice_external_id) WHERE invoice_external_id IS NOT NULL DO UPDATE SET salesperson_id = EXCLUDED.salesperson_id`);
  }
}

