/**
 * A debtor's personal data, exported on request (GDPR Art. 15/20): the customer's contact details
 * as synced from the ledger, what Arcus holds about them besides (reminder settings, unsubscribes,
 * the reminder emails sent to them, timeline entries — notes, promises, disputes — pay-link and
 * checkout activity, payment plans, scores), and the invoices, payments and credit notes that are
 * theirs. As JSON (structured) or one CSV (section, date, item, value). Every query is the firm's
 * and the one customer's: (organisation, ledger contact id) or the contact's row id.
 */
import { sql } from 'drizzle-orm';
import type { CsvColumn, CsvValue } from '../analytics/csv';
import { type Db, queryRows } from '../db/client';
import { type Debtor, loadDebtor } from './debtor';

export interface DebtorExport {
  format: 'arcus-debtor-export';
  version: 1;
  exportedAt: string;
  customer: {
    name: string;
    firstName: string | null;
    lastName: string | null;
    emails: unknown;
    phones: unknown;
    addresses: unknown;
    status: string;
    organisation: string;
    ledgerContactId: string;
    erasedAt: string | null;
  };
  reminderSettings: Record<string, unknown> | null;
  unsubscribes: Record<string, unknown>[];
  reminderEmails: Record<string, unknown>[];
  timeline: Record<string, unknown>[];
  payLinks: Record<string, unknown>[];
  checkouts: Record<string, unknown>[];
  paymentPlans: Record<string, unknown>[];
  scores: Record<string, unknown>[];
  invoices: Record<string, unknown>[];
  payments: Record<string, unknown>[];
  creditNotes: Record<string, unknown>[];
  /** Demo mode only: copies of emails the embedded mail server received for the customer's addresses. */
  mailbox: Record<string, unknown>[];
}

function addressesOf(d: Debtor): string[] {
  const list = Array.isArray(d.emails) ? (d.emails as { address?: unknown }[]) : [];
  return list.map((e) => (typeof e.address === 'string' ? e.address.toLowerCase() : '')).filter(Boolean);
}

export async function exportDebtor(db: Db, firmId: string, contactId: string, now: Date): Promise<{ debtor: Debtor; data: DebtorExport }> {
  const d = await loadDebtor(db, firmId, contactId);
  const org = d.organisationId;
  const ext = d.externalId;
  const rows = (q: ReturnType<typeof sql>) => queryRows<Record<string, unknown>>(db, q);
  const addresses = addressesOf(d);
  const [settings, unsubscribes, reminderEmails, timeline, payLinks, checkouts, paymentPlans, scores, invoices, payments, creditNotes, mailbox] = await Promise.all([
    rows(sql`SELECT excluded, paused_until::text AS "pausedUntil", pause_reason AS "pauseReason", segment, recipients, updated_at AS "updatedAt"
      FROM reminder_customers WHERE firm_id = ${firmId} AND organisation_id = ${org} AND contact_external_id = ${ext}`),
    rows(sql`SELECT address, source, created_at AS "createdAt" FROM reminder_unsubscribes WHERE firm_id = ${firmId} AND organisation_id = ${org} AND contact_external_id = ${ext} ORDER BY created_at`),
    rows(sql`SELECT planned_for::text AS "plannedFor", sent_at AS "sentAt", status, step_number AS "step", recipients, subject_line AS "subject", body_text AS "body"
      FROM reminder_sends WHERE firm_id = ${firmId} AND organisation_id = ${org} AND contact_external_id = ${ext} AND status <> 'grouped' ORDER BY claimed_at`),
    rows(sql`SELECT a.created_at AS "at", a.kind, a.actor_type AS "by", a.summary, a.details->>'text' AS "text", a.details->>'promisedDate' AS "promisedDate", a.details->>'reason' AS "reason"
      FROM activities a WHERE a.firm_id = ${firmId} AND a.organisation_id = ${org}
        AND (a.contact_id = ${d.contactId} OR a.details->>'contactExternalId' = ${ext}) ORDER BY a.created_at`),
    rows(sql`SELECT l.scope, i.number AS "invoiceNumber", l.created_at AS "createdAt", l.revoked_at AS "revokedAt"
      FROM pay_links l LEFT JOIN invoices i ON i.id = l.invoice_id WHERE l.firm_id = ${firmId} AND l.organisation_id = ${org} AND l.contact_external_id = ${ext} ORDER BY l.created_at`),
    rows(sql`SELECT k.amount::text AS amount, k.currency, k.status, k.created_at AS "createdAt", k.completed_at AS "completedAt"
      FROM checkouts k JOIN pay_links l ON l.id = k.pay_link_id WHERE k.firm_id = ${firmId} AND l.organisation_id = ${org} AND l.contact_external_id = ${ext} ORDER BY k.created_at`),
    rows(sql`SELECT p.frequency, p.start_date::text AS "startDate", p.total::text AS total, p.currency, p.status, p.created_at AS "createdAt",
        (SELECT coalesce(jsonb_agg(jsonb_build_object('dueDate', s.due_date, 'amount', s.amount::text, 'status', s.status) ORDER BY s.seq), '[]'::jsonb) FROM payment_plan_instalments s WHERE s.plan_id = p.id) AS instalments
      FROM payment_plans p WHERE p.firm_id = ${firmId} AND p.organisation_id = ${org} AND p.contact_external_id = ${ext} ORDER BY p.created_at`),
    rows(sql`SELECT score, segment, p_late AS "chanceOfPayingLate", scored_at AS "scoredAt" FROM customer_scores WHERE firm_id = ${firmId} AND organisation_id = ${org} AND contact_external_id = ${ext}`),
    rows(sql`SELECT number, reference, issue_date::text AS "issueDate", due_date::text AS "dueDate", currency, total::text AS total, amount_due::text AS "amountDue", status
      FROM invoices WHERE firm_id = ${firmId} AND organisation_id = ${org} AND contact_external_id = ${ext} ORDER BY issue_date, number`),
    rows(sql`SELECT date::text AS date, currency, amount::text AS amount, reference, status FROM payments WHERE firm_id = ${firmId} AND organisation_id = ${org} AND contact_external_id = ${ext} ORDER BY date`),
    rows(sql`SELECT number, date::text AS date, currency, total::text AS total, remaining_credit::text AS "remainingCredit", status
      FROM credit_notes WHERE firm_id = ${firmId} AND organisation_id = ${org} AND contact_external_id = ${ext} ORDER BY date`),
    addresses.length
      ? rows(sql`SELECT received_at AS "receivedAt", subject, text FROM mailbox_messages WHERE firm_id = ${firmId}
          AND EXISTS (SELECT 1 FROM unnest(envelope_to) t WHERE lower(t) IN (${sql.join(addresses.map((a) => sql`${a}`), sql`, `)})) ORDER BY received_at`)
      : Promise.resolve([]),
  ]);
  return {
    debtor: d,
    data: {
      format: 'arcus-debtor-export',
      version: 1,
      exportedAt: now.toISOString(),
      customer: { name: d.name, firstName: d.firstName, lastName: d.lastName, emails: d.emails, phones: d.phones, addresses: d.addresses, status: d.status, organisation: d.organisationName, ledgerContactId: d.externalId, erasedAt: d.erasedAt },
      reminderSettings: settings[0] ?? null,
      unsubscribes,
      reminderEmails,
      timeline,
      payLinks,
      checkouts,
      paymentPlans,
      scores,
      invoices,
      payments,
      creditNotes,
      mailbox,
    },
  };
}

// ---- CSV: one row per fact ----------------------------------------------------------------------

export interface DebtorCsvRow {
  section: string;
  date: CsvValue;
  item: string;
  value: CsvValue;
}

const SECTION: Record<string, string> = {
  reminderSettings: 'Reminder settings',
  unsubscribes: 'Unsubscribed address',
  reminderEmails: 'Reminder email',
  timeline: 'Timeline',
  payLinks: 'Pay link',
  checkouts: 'Card payment',
  paymentPlans: 'Payment plan',
  scores: 'Score',
  invoices: 'Invoice',
  payments: 'Payment',
  creditNotes: 'Credit note',
  mailbox: 'Email received (demo mailbox)',
};

const DATE_KEYS = ['sentAt', 'plannedFor', 'at', 'createdAt', 'issueDate', 'date', 'receivedAt', 'scoredAt', 'startDate', 'updatedAt'];

function text(v: unknown): CsvValue {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v as string | number | boolean);
}

export function debtorCsvRows(x: DebtorExport): DebtorCsvRow[] {
  const out: DebtorCsvRow[] = [];
  const c = x.customer;
  for (const [item, value] of Object.entries({ Name: c.name, 'First name': c.firstName, 'Last name': c.lastName, Organisation: c.organisation, 'Ledger contact id': c.ledgerContactId, Status: c.status, Erased: c.erasedAt })) {
    out.push({ section: 'Customer', date: null, item, value: text(value) });
  }
  for (const e of Array.isArray(c.emails) ? (c.emails as Record<string, unknown>[]) : []) out.push({ section: 'Customer', date: null, item: 'Email', value: text(e['address']) });
  for (const p of Array.isArray(c.phones) ? (c.phones as Record<string, unknown>[]) : []) out.push({ section: 'Customer', date: null, item: 'Phone', value: text(p['number']) });
  for (const a of Array.isArray(c.addresses) ? (c.addresses as Record<string, unknown>[]) : []) {
    out.push({ section: 'Customer', date: null, item: 'Address', value: ['line1', 'line2', 'city', 'region', 'postalCode', 'country'].map((k) => a[k]).filter((v) => typeof v === 'string' && v).join(', ') });
  }
  const sections = { ...x, reminderSettings: x.reminderSettings ? [x.reminderSettings] : [] } as unknown as Record<string, Record<string, unknown>[]>;
  for (const key of Object.keys(SECTION)) {
    for (const row of sections[key] ?? []) {
      const dateKey = DATE_KEYS.find((k) => row[k] !== undefined && row[k] !== null);
      for (const [item, value] of Object.entries(row)) {
        if (item === dateKey || value === null || value === undefined) continue;
        out.push({ section: SECTION[key]!, date: dateKey ? text(row[dateKey]) : null, item, value: text(value) });
      }
    }
  }
  return out;
}

export const DEBTOR_CSV: CsvColumn<DebtorCsvRow>[] = [
  { header: 'Section', value: (r) => r.section },
  { header: 'Date', value: (r) => r.date },
  { header: 'Item', value: (r) => r.item },
  { header: 'Value', value: (r) => r.value },
];
