/** The firm's client organisations, always scoped by firm. */
import { and, asc, eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { contacts, organisations } from '../db/schema';

export interface OrganisationInfo {
  id: string;
  name: string;
  provider: 'xero' | 'quickbooks';
  externalId: string;
  baseCurrency: string;
  timezone: string;
  status: string;
  lastSyncAt: Date | null;
}

const columns = {
  id: organisations.id,
  name: organisations.name,
  provider: organisations.provider,
  externalId: organisations.externalId,
  baseCurrency: organisations.baseCurrency,
  timezone: organisations.timezone,
  status: organisations.status,
  lastSyncAt: organisations.lastSyncAt,
};

export async function listOrganisations(db: Db, firmId: string): Promise<OrganisationInfo[]> {
  return db.select(columns).from(organisations).where(eq(organisations.firmId, firmId)).orderBy(asc(organisations.name), asc(organisations.id));
}

export async function getOrganisation(db: Db, firmId: string, id: string): Promise<OrganisationInfo | null> {
  const rows = await db
    .select(columns)
    .from(organisations)
    .where(and(eq(organisations.firmId, firmId), eq(organisations.id, id)))
    .limit(1);
  return rows[0] ?? null;
}

export interface ContactInfo {
  id: string;
  externalId: string;
  name: string;
  emails: unknown;
  phones: unknown;
  addresses: unknown;
  isCustomer: boolean;
  status: string;
}

/** Customers of an organisation that are not deleted in the ledger. */
export async function listContacts(db: Db, firmId: string, organisationId: string): Promise<ContactInfo[]> {
  const rows = await db
    .select({
      id: contacts.id,
      externalId: contacts.externalId,
      name: contacts.name,
      emails: contacts.emails,
      phones: contacts.phones,
      addresses: contacts.addresses,
      isCustomer: contacts.isCustomer,
      status: contacts.status,
      deletedAt: contacts.deletedAt,
    })
    .from(contacts)
    .where(and(eq(contacts.firmId, firmId), eq(contacts.organisationId, organisationId)))
    .orderBy(asc(contacts.name));
  return rows.filter((c) => c.deletedAt === null && c.status !== 'deleted').map(({ deletedAt: _d, ...c }) => c);
}

export async function getContact(db: Db, firmId: string, id: string) {
  const rows = await db
    .select()
    .from(contacts)
    .where(and(eq(contacts.firmId, firmId), eq(contacts.id, id)))
    .limit(1);
  return rows[0] ?? null;
}
