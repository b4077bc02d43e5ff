/**
 * Arcus's tables against the sandbox ledger, document by document and to the cent. The
 * expected side is built from the sandbox store as each provider presents it (QuickBooks: no
 * drafts, zero amounts on voided invoices, credited = what credit memos applied through
 * payments, paid = total − balance − credited (deposit included), the Deposit itself; Xero: everything, including deleted and voided documents).
 * Returns the differences in words; an empty list means equal.
 */
import { and, eq, inArray } from 'drizzle-orm';
import { fromMinor, type Minor, toMinor } from '../../kernel/money';
import type { Db } from '../../server/db/client';
import { contacts, creditNoteAllocations, creditNotes, invoiceLines, invoices, paymentAllocations, payments, prepaymentAllocations, prepayments } from '../../server/db/schema';
import type { SandboxStore } from '../../integrations/sandbox/store';
import type { SbPayment } from '../../integrations/sandbox/model';

const m = (v: string | number | null | undefined): Minor => (v === null || v === undefined ? 0 : toMinor(String(v), 2, true));

interface Doc {
  [k: string]: unknown;
}

function diff(kind: string, id: string, expected: Doc, actual: Doc, out: string[]): void {
  for (const [k, v] of Object.entries(expected)) {
    const a = actual[k];
    if (JSON.stringify(v) !== JSON.stringify(a)) out.push(`${kind} ${id}: ${k} expected ${JSON.stringify(v)}, got ${JSON.stringify(a)}`);
  }
}

/** Cash vs credit of a QuickBooks payment, as the mapper splits it (credit first, in line order). */
function qboSplit(p: SbPayment): { cash: Map<string, Minor>; credit: Map<string, Minor> } {
  const pool = p.creditNoteLinks.map((l) => ({ memo: l.creditNoteId, left: l.amount }));
  const cash = new Map<string, Minor>();
  const credit = new Map<string, Minor>();
  for (const a of p.allocations) {
    let left = a.amount;
    for (const c of pool) {
      if (left <= 0) break;
      const take = Math.min(left, c.left);
      if (take <= 0) continue;
      c.left -= take;
      left -= take;
      const key = `qbo-payment:${p.id}:${c.memo}:${a.invoiceId}`;
      credit.set(key, (credit.get(key) ?? 0) + take);
    }
    if (left > 0) cash.set(a.invoiceId, (cash.get(a.invoiceId) ?? 0) + left);
  }
  return { cash, credit };
}

export async function compareWithLedger(db: Db, store: SandboxStore, params: { organisationId: string; companyId: string }): Promise<string[]> {
  const { organisationId, companyId } = params;
  const provider = store.company(companyId).provider;
  const qbo = provider === 'quickbooks';
  const out: string[] = [];

  // ---- contacts
  const dbContacts = new Map((await db.select().from(contacts).where(eq(contacts.organisationId, organisationId))).map((c) => [c.externalId, c]));
  const sbContacts = store.list('contacts', companyId).filter((c) => !qbo || c.isCustomer);
  for (const c of sbContacts) {
    const row = dbContacts.get(c.id);
    if (!row) {
      out.push(`contact ${c.id} (${c.name}) missing`);
      continue;
    }
    const status = qbo ? (c.deletedAt !== null ? 'deleted' : c.status === 'ARCHIVED' ? 'archived' : 'active') : c.deletedAt !== null || c.status === 'ARCHIVED' ? 'archived' : 'active';
    diff('contact', c.id, { name: c.name, status }, { name: row.name, status: row.status }, out);
    dbContacts.delete(c.id);
  }
  for (const id of dbContacts.keys()) out.push(`contact ${id} is in Arcus but not in the ledger`);

  // ---- invoices
  const invRows = await db.select().from(invoices).where(eq(invoices.organisationId, organisationId));
  const dbInvoices = new Map(invRows.map((i) => [i.externalId, i]));
  const lineRows = invRows.length ? await db.select().from(invoiceLines).where(inArray(invoiceLines.invoiceId, invRows.map((i) => i.id))) : [];
  const linesOf = new Map<string, typeof lineRows>();
  for (const l of lineRows) linesOf.set(l.invoiceId, [...(linesOf.get(l.invoiceId) ?? []), l].sort((a, b) => a.lineNo - b.lineNo));
  // QuickBooks: what credit memos applied through payments credit each invoice (the rest of TotalAmt − Balance is paid).
  const qboCredited = new Map<string, Minor>();
  if (qbo) {
    for (const p of store.list('payments', companyId)) {
      if (p.status === 'DELETED') continue;
      for (const [key, amount] of qboSplit(p).credit) qboCredited.set(key.split(':')[3]!, (qboCredited.get(key.split(':')[3]!) ?? 0) + amount);
    }
  }
  for (const inv of store.list('invoices', companyId)) {
    const row = dbInvoices.get(inv.id);
    dbInvoices.delete(inv.id);
    if (inv.status === 'DELETED') {
      if (row && row.status !== 'deleted') out.push(`invoice ${inv.number}: deleted in the ledger, ${row.status} in Arcus`);
      if (!row && !qbo) out.push(`invoice ${inv.number} (deleted) missing`);
      continue;
    }
    if (!row) {
      out.push(`invoice ${inv.number} (${inv.id}) missing`);
      continue;
    }
    const voided = inv.status === 'VOIDED';
    const expected: Doc = qbo
      ? {
          status: voided ? 'voided' : inv.status === 'PAID' ? 'paid' : 'authorised',
          total: fromMinor(voided ? 0 : inv.total),
          amountDue: fromMinor(voided ? 0 : inv.amountDue),
          amountPaid: fromMinor(voided ? 0 : inv.total - inv.amountDue - (qboCredited.get(inv.id) ?? 0)),
          amountCredited: fromMinor(voided ? 0 : (qboCredited.get(inv.id) ?? 0)),
          deposit: fromMinor(voided ? 0 : (inv.deposit ?? 0)),
          fullyPaidOn: inv.status === 'PAID' ? inv.fullyPaidOnDate : null,
        }
      : {
          status: inv.status.toLowerCase(),
          total: fromMinor(inv.total),
          amountDue: fromMinor(inv.amountDue),
          amountPaid: fromMinor(inv.amountPaid),
          amountCredited: fromMinor(inv.amountCredited),
          // Xero keeps a stale FullyPaidOnDate after a payment is deleted; Arcus keeps it only while PAID.
          fullyPaidOn: inv.status === 'PAID' ? inv.fullyPaidOnDate : null,
          subTotal: fromMinor(inv.subTotal),
          totalTax: fromMinor(inv.totalTax),
          reference: inv.reference,
        };
    Object.assign(expected, { number: inv.number, contactExternalId: inv.contactId, issueDate: inv.issueDate, dueDate: qbo ? (inv.dueDate ?? inv.issueDate) : inv.dueDate, currency: inv.currency });
    const actual: Doc = {
      status: row.status,
      total: fromMinor(m(row.total)),
      amountDue: fromMinor(m(row.amountDue)),
      amountPaid: fromMinor(m(row.amountPaid)),
      amountCredited: fromMinor(m(row.amountCredited)),
      deposit: fromMinor(m(row.deposit)),
      fullyPaidOn: row.fullyPaidOn,
      subTotal: fromMinor(m(row.subTotal)),
      totalTax: fromMinor(m(row.totalTax)),
      reference: row.reference,
      number: row.number,
      contactExternalId: row.contactExternalId,
      issueDate: row.issueDate,
      dueDate: row.dueDate,
      currency: row.currency,
    };
    diff('invoice', inv.number, expected, actual, out);
    const expLines = inv.lines.map((l) => ({ description: l.description, lineAmount: fromMinor(voided && qbo ? 0 : l.lineAmount), unitAmount: fromMinor(l.unitAmount), ...(qbo ? {} : { taxAmount: fromMinor(l.taxAmount) }) }));
    const actLines = (linesOf.get(row.id) ?? []).map((l) => ({ description: l.description, lineAmount: fromMinor(m(l.lineAmount)), unitAmount: fromMinor(m(l.unitAmount)), ...(qbo ? {} : { taxAmount: fromMinor(m(l.taxAmount)) }) }));
    if (JSON.stringify(expLines) !== JSON.stringify(actLines)) out.push(`invoice ${inv.number}: lines differ: expected ${JSON.stringify(expLines)}, got ${JSON.stringify(actLines)}`);
    if (row.contactId === null) out.push(`invoice ${inv.number}: not linked to its contact`);
  }
  for (const [id, row] of dbInvoices) if (row.status !== 'deleted') out.push(`invoice ${id} is in Arcus (${row.status}) but not in the ledger`);

  // ---- payments
  const payRows = await db.select().from(payments).where(eq(payments.organisationId, organisationId));
  const dbPayments = new Map(payRows.map((p) => [p.externalId, p]));
  const allocRows = payRows.length ? await db.select().from(paymentAllocations).where(eq(paymentAllocations.organisationId, organisationId)) : [];
  const allocsOf = new Map<string, Map<string, Minor>>();
  for (const a of allocRows) {
    const mm = allocsOf.get(a.paymentId) ?? new Map<string, Minor>();
    mm.set(a.invoiceExternalId, (mm.get(a.invoiceExternalId) ?? 0) + m(a.amount));
    allocsOf.set(a.paymentId, mm);
  }
  const expectedCredit = new Map<string, { memo: string; invoice: string; amount: Minor }>();
  for (const p of store.list('payments', companyId)) {
    const row = dbPayments.get(p.id);
    dbPayments.delete(p.id);
    if (p.status === 'DELETED') {
      if (row && row.status !== 'deleted') out.push(`payment ${p.id}: deleted in the ledger, ${row.status} in Arcus`);
      if (row && (allocsOf.get(row.id)?.size ?? 0) > 0) out.push(`payment ${p.id}: deleted but still allocated`);
      if (!row && !qbo) out.push(`payment ${p.id} (deleted) missing`);
      continue;
    }
    if (!row) {
      out.push(`payment ${p.id} missing`);
      continue;
    }
    let expAlloc: Map<string, Minor>;
    if (qbo) {
      const split = qboSplit(p);
      expAlloc = split.cash;
      for (const [key, amount] of split.credit) expectedCredit.set(key, { memo: key.split(':')[2]!, invoice: key.split(':')[3]!, amount });
    } else {
      expAlloc = new Map(p.allocations.slice(0, 1).map((a) => [a.invoiceId, a.amount]));
    }
    const amount = qbo ? p.amount : (p.allocations[0]?.amount ?? p.amount);
    diff('payment', p.id, { status: 'authorised', amount: fromMinor(amount), date: p.date }, { status: row.status, amount: fromMinor(m(row.amount)), date: row.date }, out);
    // Xero sends CurrencyRate 0 on base-currency batch children and deleted payments: stored as 1.
    if (!qbo && Number(row.currencyRate) !== Number(p.currencyRate)) out.push(`payment ${p.id}: currency rate expected ${p.currencyRate}, got ${row.currencyRate}`);
    const act = allocsOf.get(row.id) ?? new Map<string, Minor>();
    const e = JSON.stringify([...expAlloc].sort());
    const a = JSON.stringify([...act].sort());
    if (e !== a) out.push(`payment ${p.id}: allocations expected ${e}, got ${a}`);
  }
  for (const [id, row] of dbPayments) if (row.status !== 'deleted') out.push(`payment ${id} is in Arcus but not in the ledger`);

  // ---- credit notes
  const cnRows = await db.select().from(creditNotes).where(eq(creditNotes.organisationId, organisationId));
  const dbCredits = new Map(cnRows.map((c) => [c.externalId, c]));
  const cnAllocRows = cnRows.length ? await db.select().from(creditNoteAllocations).where(eq(creditNoteAllocations.organisationId, organisationId)) : [];
  const cnById = new Map(cnRows.map((c) => [c.id, c.externalId]));
  for (const cn of store.list('creditNotes', companyId)) {
    const row = dbCredits.get(cn.id);
    dbCredits.delete(cn.id);
    if (!row) {
      out.push(`credit note ${cn.number} missing`);
      continue;
    }
    const voided = cn.status === 'VOIDED';
    diff(
      'credit note',
      cn.number,
      { status: cn.status.toLowerCase(), total: fromMinor(voided && qbo ? 0 : cn.total), remainingCredit: fromMinor(voided ? 0 : cn.remainingCredit), number: cn.number, date: cn.date },
      { status: row.status, total: fromMinor(m(row.total)), remainingCredit: fromMinor(m(row.remainingCredit)), number: row.number, date: row.date },
      out,
    );
  }
  for (const [id] of dbCredits) out.push(`credit note ${id} is in Arcus but not in the ledger`);
  const actualAllocs = new Map(cnAllocRows.map((a) => [`${cnById.get(a.creditNoteId)}|${a.externalId}`, { invoice: a.invoiceExternalId, amount: m(a.amount), date: a.date }]));
  const expectedAllocs = new Map<string, { invoice: string; amount: Minor; date?: string }>();
  if (qbo) {
    for (const [key, c] of expectedCredit) expectedAllocs.set(`${c.memo}|${key}`, { invoice: c.invoice, amount: c.amount });
  } else {
    for (const cn of store.list('creditNotes', companyId)) for (const a of cn.allocations) expectedAllocs.set(`${cn.id}|${a.id}`, { invoice: a.invoiceId, amount: a.amount, date: a.date });
  }
  for (const [key, e] of expectedAllocs) {
    const a = actualAllocs.get(key);
    if (!a) out.push(`credit allocation ${key} missing`);
    else if (a.invoice !== e.invoice || a.amount !== e.amount || (e.date && a.date !== e.date)) out.push(`credit allocation ${key}: expected ${JSON.stringify(e)}, got ${JSON.stringify(a)}`);
    actualAllocs.delete(key);
  }
  for (const key of actualAllocs.keys()) out.push(`credit allocation ${key} is in Arcus but not in the ledger`);

  // ---- overpayments and prepayments (Xero)
  const xRows = await db.select().from(prepayments).where(eq(prepayments.organisationId, organisationId));
  const dbX = new Map(xRows.map((x) => [x.externalId, x]));
  const xAllocRows = xRows.length ? await db.select().from(prepaymentAllocations).where(eq(prepaymentAllocations.organisationId, organisationId)) : [];
  const xAllocs = new Map<string, { invoice: string; amount: Minor; date: string }[]>();
  for (const a of xAllocRows) xAllocs.set(a.prepaymentId, [...(xAllocs.get(a.prepaymentId) ?? []), { invoice: a.invoiceExternalId, amount: m(a.amount), date: a.date }]);
  const sortAllocs = (list: { invoice: string; amount: Minor; date: string }[]) => JSON.stringify([...list].sort((a, b) => (a.invoice + a.date + a.amount < b.invoice + b.date + b.amount ? -1 : 1)));
  for (const x of store.list('prepayments', companyId)) {
    const row = dbX.get(x.id);
    dbX.delete(x.id);
    if (!row) {
      out.push(`${x.kind} ${x.id} missing`);
      continue;
    }
    diff(
      x.kind,
      x.id,
      { kind: x.kind, status: x.status.toLowerCase(), total: fromMinor(x.total), remainingCredit: fromMinor(x.remainingCredit), date: x.date, contact: x.contactId, currency: x.currency },
      { kind: row.kind, status: row.status, total: fromMinor(m(row.total)), remainingCredit: fromMinor(m(row.remainingCredit)), date: row.date, contact: row.contactExternalId, currency: row.currency },
      out,
    );
    const expected = x.status === 'VOIDED' ? [] : x.allocations.map((a) => ({ invoice: a.invoiceId, amount: a.amount, date: a.date }));
    const e = sortAllocs(expected);
    const a = sortAllocs(xAllocs.get(row.id) ?? []);
    if (e !== a) out.push(`${x.kind} ${x.id}: allocations expected ${e}, got ${a}`);
  }
  for (const [id, row] of dbX) if (row.status !== 'deleted') out.push(`${row.kind} ${id} is in Arcus but not in the ledger`);
  return out;
}

/** Row counts of an organisation's synced tables (for "nothing changed" checks). */
export async function tableCounts(db: Db, organisationId: string): Promise<Record<string, number>> {
  const count = async (t: typeof contacts | typeof invoices | typeof payments | typeof creditNotes) => (await db.select({ id: t.id }).from(t).where(and(eq(t.organisationId, organisationId)))).length;
  return { contacts: await count(contacts), invoices: await count(invoices), payments: await count(payments), creditNotes: await count(creditNotes) };
}
