/** Finding a debtor (a ledger customer) of the caller's firm, and searching for one to act on. */
import { sql } from 'drizzle-orm';
import { notFound } from '../../kernel/errors';
import { type Db, queryRows } from '../db/client';

export interface Debtor {
  contactId: string;
  organisationId: string;
  organisationName: string;
  externalId: string;
  name: string;
  firstName: string | null;
  lastName: string | null;
  emails: unknown;
  phones: unknown;
  addresses: unknown;
  status: string;
  erasedAt: string | null;
}

interface DebtorRow {
  id: string;
  organisation_id: string;
  organisation_name: string;
  external_id: string;
  name: string;
  first_name: string | null;
  last_name: string | null;
  emails: unknown;
  phones: unknown;
  addresses: unknown;
  status: string;
  erased_at: string | null;
}

const SELECT = sql`SELECT c.id, c.organisation_id, o.name AS organisation_name, c.external_id, c.name, c.first_name, c.last_name, c.emails, c.phones, c.addresses, c.status,
    (SELECT e.created_at::text FROM privacy_erasures e WHERE e.organisation_id = c.organisation_id AND e.contact_external_id = c.external_id) AS erased_at
  FROM contacts c JOIN organisations o ON o.id = c.organisation_id`;

function toDebtor(r: DebtorRow): Debtor {
  return {
    contactId: r.id,
    organisationId: r.organisation_id,
    organisationName: r.organisation_name,
    externalId: r.external_id,
    name: r.name,
    firstName: r.first_name,
    lastName: r.last_name,
    emails: r.emails,
    phones: r.phones,
    addresses: r.addresses,
    status: r.status,
    erasedAt: r.erased_at,
  };
}

export async function loadDebtor(db: Db, firmId: string, contactId: string): Promise<Debtor> {
  const rows = await queryRows<DebtorRow>(db, sql`${SELECT} WHERE c.firm_id = ${firmId} AND c.id = ${contactId}`);
  if (!rows[0]) throw notFound('No such customer.');
  return toDebtor(rows[0]);
}

export interface DebtorMatch {
  contactId: string;
  name: string;
  organisationName: string;
  email: string | null;
  erased: boolean;
}

/** Customers whose name or email address contains `q` (case-insensitive), at most 20. */
export async function searchDebtors(db: Db, firmId: string, q: string): Promise<DebtorMatch[]> {
  const like = `%${q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
  const rows = await queryRows<DebtorRow>(
    db,
    sql`${SELECT} WHERE c.firm_id = ${firmId} AND (c.name ILIKE ${like} OR c.emails::text ILIKE ${like}) ORDER BY c.name, o.name LIMIT 20`,
  );
  return rows.map((r) => {
    const emails = Array.isArray(r.emails) ? (r.emails as { address?: unknown }[]) : [];
    const first = emails.find((e) => typeof e.address === 'string');
    return { contactId: r.id, name: r.name, organisationName: r.organisation_name, email: (first?.address as string | undefined) ?? null, erased: r.erased_at !== null };
  });
}
