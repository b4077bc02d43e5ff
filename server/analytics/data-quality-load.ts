/** Loads what the data-quality checks read for one organisation. */
import { and, eq, isNull, notInArray, or, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { bouncedAddresses, contacts, invoices, reminderPolicies } from '../db/schema';
import { checkContacts, checkInvoices, type Finding, FINDING_LABELS, type FindingKind } from './data-quality';
import { EXCLUDED_INVOICE_STATUSES } from './ledger-invoices';
import type { LedgerLinkTarget } from './ledger-links';
import { listContacts, type OrganisationInfo } from './organisations';

/** `site`: where "Fix in ledger" links lead (default: the provider's own app). */
export async function getDataQuality(db: Db, firmId: string, org: OrganisationInfo, site: LedgerLinkTarget = org.provider) {
  const [people, undated, bounced, letterPolicies] = await Promise.all([
    listContacts(db, firmId, org.id),
    db
      .select({ id: invoices.id, externalId: invoices.externalId, number: invoices.number, issueDate: invoices.issueDate, customerName: sql<string>`coalesce(${contacts.name}, ${invoices.contactExternalId})` })
      .from(invoices)
      .leftJoin(contacts, and(eq(contacts.organisationId, invoices.organisationId), eq(contacts.externalId, invoices.contactExternalId)))
      .where(and(eq(invoices.firmId, firmId), eq(invoices.organisationId, org.id), isNull(invoices.dueDate), notInArray(invoices.status, EXCLUDED_INVOICE_STATUSES)))
      .orderBy(invoices.issueDate),
    db.select({ address: bouncedAddresses.address }).from(bouncedAddresses).where(and(eq(bouncedAddresses.firmId, firmId), eq(bouncedAddresses.organisationId, org.id))),
    // Does the organisation send letters? (A policy of the firm or of this organisation with a letter step.)
    db
      .select({ id: reminderPolicies.id })
      .from(reminderPolicies)
      .where(and(eq(reminderPolicies.firmId, firmId), eq(reminderPolicies.enabled, true), or(isNull(reminderPolicies.organisationId), eq(reminderPolicies.organisationId, org.id)), sql`${reminderPolicies.steps} @> '[{"channel":"letter"}]'::jsonb`))
      .limit(1),
  ]);
  const customers = people.filter((c) => c.isCustomer && c.status !== 'archived');
  const findings: Finding[] = [...checkContacts(customers, site, new Set(bounced.map((b) => b.address)), { postal: letterPolicies.length > 0 }), ...checkInvoices(undated, site)];
  const counts = Object.fromEntries(Object.keys(FINDING_LABELS).map((k) => [k, findings.filter((f) => f.kind === k).length])) as Record<FindingKind, number>;
  return { organisationId: org.id, customersChecked: customers.length, findings, counts, labels: FINDING_LABELS };
}
