/**
 * A client's fee plan and the firm's practice ledger (migration 0036). The practice ledger is one
 * of the firm's connected organisations — the firm's own Xero or QuickBooks — chosen in a firm
 * setting; each client is matched to a customer synced from it, by a person choosing from the
 * practice ledger's customers (suggested by name). Nothing here writes to a ledger.
 */
import { and, asc, eq, isNull } from 'drizzle-orm';
import { z } from 'zod';
import { type FieldError, invalidField, invalidFields, notFound } from '../../kernel/errors';
import { currencyExponent, MoneyError, parseAmount } from '../../kernel/money';
import type { Db } from '../db/client';
import { contacts, feePlans, organisations, practiceLedgers } from '../db/schema';
import { describeComponent, type FeePlan, FeePlanSchema } from './core';
import type { FeeOrganisation } from './facts';

export const SetPlanSchema = z
  .object({
    plan: FeePlanSchema,
    /** The client's customer in the practice ledger (its id there); null: not chosen yet. */
    ledgerContactId: z.string().trim().min(1, { message: 'Choose the customer.' }).max(200).nullable(),
  })
  .strict();
export type SetPlanInput = z.infer<typeof SetPlanSchema>;

export const PracticeLedgerSchema = z.object({ organisationId: z.uuid({ message: 'Choose the organisation that is the practice’s own ledger.' }) }).strict();

export interface StoredPlan {
  plan: FeePlan;
  currency: string;
  ledgerContactExternalId: string | null;
  ledgerContactName: string | null;
}

export async function feeOrganisation(db: Db, firmId: string, organisationId: string): Promise<FeeOrganisation | null> {
  const [org] = await db
    .select({ id: organisations.id, name: organisations.name, timezone: organisations.timezone, baseCurrency: organisations.baseCurrency })
    .from(organisations)
    .where(and(eq(organisations.firmId, firmId), eq(organisations.id, organisationId)));
  return org ?? null;
}

export async function getFeePlan(db: Db, firmId: string, organisationId: string): Promise<StoredPlan | null> {
  const [row] = await db.select().from(feePlans).where(and(eq(feePlans.firmId, firmId), eq(feePlans.organisationId, organisationId)));
  return row ? { plan: row.plan as FeePlan, currency: row.currency, ledgerContactExternalId: row.ledgerContactExternalId, ledgerContactName: row.ledgerContactName } : null;
}

/** The practice ledger's organisation, or null when the firm has not chosen one. */
export async function getPracticeLedger(db: Db, firmId: string): Promise<{ organisationId: string; name: string; provider: string; timezone: string } | null> {
  const [row] = await db
    .select({ organisationId: organisations.id, name: organisations.name, provider: organisations.provider, timezone: organisations.timezone })
    .from(practiceLedgers)
    .innerJoin(organisations, and(eq(organisations.id, practiceLedgers.organisationId), eq(organisations.firmId, practiceLedgers.firmId)))
    .where(eq(practiceLedgers.firmId, firmId));
  return row ?? null;
}

export async function setPracticeLedger(db: Db, p: { firmId: string; organisationId: string; userId: string | null; now: Date }): Promise<void> {
  const org = await feeOrganisation(db, p.firmId, p.organisationId);
  if (!org) throw invalidField('organisationId', 'Choose one of the firm’s connected organisations.');
  const values = { organisationId: p.organisationId, setByUserId: p.userId, updatedAt: p.now };
  await db
    .insert(practiceLedgers)
    .values({ firmId: p.firmId, ...values })
    .onConflictDoUpdate({ target: practiceLedgers.firmId, set: values });
}

/** The practice ledger's customers (synced contacts), by name. */
export async function practiceCustomers(db: Db, firmId: string, practiceOrganisationId: string): Promise<{ id: string; name: string }[]> {
  return db
    .select({ id: contacts.externalId, name: contacts.name })
    .from(contacts)
    .where(and(eq(contacts.firmId, firmId), eq(contacts.organisationId, practiceOrganisationId), eq(contacts.isCustomer, true), isNull(contacts.deletedAt)))
    .orderBy(asc(contacts.name))
    .limit(2000);
}

const norm = (s: string) =>
  s
    .toLowerCase()
    .replace(/\b(ltd|limited|llc|inc|plc|pty|co)\b\.?/g, '')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();

/** A customer whose name matches the client's (ignoring case, punctuation and Ltd/Inc/LLC), or null. */
export function matchByName(clientName: string, customers: readonly { id: string; name: string }[]): { id: string; name: string } | null {
  const want = norm(clientName);
  return customers.find((c) => norm(c.name) === want) ?? null;
}

/** Each amount of the plan within the currency's places (no 0.005 GBP, no 0.5 JPY): the problems, field by field. */
export function amountProblems(plan: FeePlan, currency: string): FieldError[] {
  const places = currencyExponent(currency);
  const words = places === 0 ? `whole amounts of ${currency}` : `at most ${places} decimal places in ${currency}`;
  const out: FieldError[] = [];
  const check = (value: string | null, field: string) => {
    if (value === null) return;
    try {
      parseAmount(value, currency);
    } catch (err) {
      if (!(err instanceof MoneyError)) throw err;
      out.push({ field, message: `Enter ${words}.` });
    }
  };
  plan.components.forEach((c, i) => {
    const at = `plan.components.${i}`;
    if (c.type === 'fixed') check(c.amount, `${at}.amount`);
    if (c.type === 'share') {
      check(c.floor, `${at}.floor`);
      check(c.cap, `${at}.cap`);
    }
    if (c.type === 'kpi_bonus') check(c.perDay, `${at}.perDay`);
    if (c.type === 'tiered' || c.type === 'volume') {
      for (const [j, b] of c.bands.entries()) check(b.amount, `${at}.bands.${j}.amount`);
    }
  });
  return out;
}

export async function setFeePlan(db: Db, p: { firmId: string; organisationId: string; userId: string | null; input: SetPlanInput; now: Date }): Promise<StoredPlan> {
  const org = await feeOrganisation(db, p.firmId, p.organisationId);
  if (!org) throw notFound('No such organisation.');
  const problems = amountProblems(p.input.plan, org.baseCurrency);
  if (problems.length) throw invalidFields(problems);
  let contactName: string | null = null;
  if (p.input.ledgerContactId !== null) {
    const practice = await getPracticeLedger(db, p.firmId);
    if (!practice) throw invalidField('ledgerContactId', 'Choose the practice ledger in Fees first: the customer is one of its customers.');
    const found = (await practiceCustomers(db, p.firmId, practice.organisationId)).find((c) => c.id === p.input.ledgerContactId);
    if (!found) throw invalidField('ledgerContactId', `Choose one of the customers in ${practice.name}.`);
    contactName = found.name;
  }
  const values = { plan: p.input.plan, currency: org.baseCurrency, ledgerContactExternalId: p.input.ledgerContactId, ledgerContactName: contactName, setByUserId: p.userId, updatedAt: p.now };
  await db
    .insert(feePlans)
    .values({ firmId: p.firmId, organisationId: p.organisationId, ...values })
    .onConflictDoUpdate({ target: [feePlans.organisationId, feePlans.firmId], set: values });
  return { plan: p.input.plan, currency: org.baseCurrency, ledgerContactExternalId: p.input.ledgerContactId, ledgerContactName: contactName };
}

export const planWords = (plan: FeePlan): string[] => plan.components.map(describeComponent);
