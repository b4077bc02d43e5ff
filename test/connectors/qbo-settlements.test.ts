/**
 * QuickBooks settlements in the database (issue #13), on a real PostgreSQL: the conformance
 * fixtures mapped by Arcus's own mappers, written by the sync writers and finished as a run
 * finishes. A Deposit settles on the invoice's issue date (settlement summary, base amounts,
 * fully-paid date); a credit memo applied through a zero-amount payment makes amountCredited
 * (and a reminder skipped for a fully credited invoice says "credited", not "paid"); an unapplied
 * payment settles nothing. Also guards the one definition of the settlement trigger that
 * migrations 0012 (Xero) and 0013 (QuickBooks) share.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { and, eq } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { mapQboInvoice, mapQboPayment } from '../../integrations/quickbooks/mappers';
import type { Database } from '../../server/db/client';
import { invoices, organisations, paymentAllocations, payments } from '../../server/db/schema';
import { loadLedgerInvoices } from '../../server/analytics/ledger-invoices';
import { withFirm } from '../../server/db/firm-scope';
import { closedReason } from '../../server/reminders/plan';
import { loadHistory } from '../../server/scoring/history-load';
import { deriveQboCredited, deriveQboPaidDates } from '../../server/sync/finish';
import { openSqlConn } from '../../server/sync/sql';
import { prepareStaging, upsertInvoices, upsertPayments, type WriteScope } from '../../server/sync/writers';
import { createFirm, testDatabase } from '../support/db';
import { describeWith } from '../support/services';

type Json = Record<string, unknown>;
const HERE = path.dirname(fileURLToPath(import.meta.url));
const FIXTURES = path.join(HERE, 'fixtures', 'conformance', 'qbo');

function rows(file: string, entity: 'Invoice' | 'Payment'): Json[] {
  const body = JSON.parse(readFileSync(path.join(FIXTURES, file), 'utf8')).body as { QueryResponse: Record<string, Json[]> };
  return structuredClone(body.QueryResponse[entity]!);
}

const byId = (list: Json[], id: string): Json => structuredClone(list.find((r) => r['Id'] === id)!);
const later = (r: Json, iso: string): Json => ({ ...r, MetaData: { ...(r['MetaData'] as Json), LastUpdatedTime: iso } });

describeWith('pg', 'QuickBooks settlements in the database', () => {
  let database: Database;
  let scope: WriteScope;

  const write = async (inv: Json[], pay: Json[]) => {
    const conn = await openSqlConn(database.db);
    try {
      await prepareStaging(conn);
      await conn.transaction(async (c) => {
        await upsertInvoices(c, scope, inv.map(mapQboInvoice));
        await upsertPayments(c, scope, pay.map(mapQboPayment));
        await deriveQboPaidDates(c, scope.organisationId);
        await deriveQboCredited(c, scope.organisationId);
      });
    } finally {
      conn.release();
    }
  };

  const invoice = async (externalId: string) => {
    const all = await database.db.select().from(invoices).where(eq(invoices.organisationId, scope.organisationId));
    return all.find((i) => i.externalId === externalId)!;
  };

  beforeAll(async () => {
    database = await testDatabase();
    const { firm } = await createFirm(database);
    const [org] = await database.db
      .insert(organisations)
      .values({ firmId: firm.id, provider: 'quickbooks', externalId: `9130${Math.floor(Math.random() * 1e12)}`, name: 'Conformance Gardens', baseCurrency: 'USD', timezone: 'America/Los_Angeles' })
      .returning({ id: organisations.id });
    scope = { firmId: firm.id, organisationId: org!.id, baseCurrency: 'USD' };
    await write(rows('c01-invoices-query.json', 'Invoice'), rows('c02-payments-query.json', 'Payment'));
  });

  it('Deposit 20 of 85.80: 20 settled on the issue date, 65.80 open; once the rest is paid the invoice is settled that day', async () => {
    const open = await invoice('301');
    expect(open).toMatchObject({ deposit: '20.0000', amountDue: '65.8000', total: '85.8000', settlementDays: ['2024-05-02'], baseSettledCum: [2000], baseTotal: 8580, settledOn: null, fullyPaidOn: null, currency: 'USD' });
    // The customer pays the balance on 20 May: QBO shows Balance 0 and a payment for 65.80.
    const inv = later({ ...byId(rows('c01-invoices-query.json', 'Invoice'), '301'), Balance: 0, LinkedTxn: [{ TxnId: '320', TxnType: 'Payment' }] }, '2024-05-20T10:00:00-07:00');
    const pay = { ...byId(rows('c02-payments-query.json', 'Payment'), '309'), Id: '320', TotalAmt: 65.8, TxnDate: '2024-05-20', CustomerRef: { value: '58' }, Line: [{ Amount: 65.8, LinkedTxn: [{ TxnId: '301', TxnType: 'Invoice' }] }] };
    await write([inv], [pay]);
    expect(await invoice('301')).toMatchObject({ status: 'paid', amountDue: '0.0000', amountPaid: '85.8000', amountCredited: '0.0000', settlementDays: ['2024-05-02', '2024-05-20'], baseSettledCum: [2000, 8580], settledOn: '2024-05-20', fullyPaidOn: '2024-05-20' });
  });

  it('a deposit of the whole invoice settles it on its issue date', async () => {
    const whole = { ...byId(rows('c01-invoices-query.json', 'Invoice'), '305'), Id: '330', DocNumber: '2050', Deposit: 145.5, Balance: 0 };
    await write([whole], []);
    expect(await invoice('330')).toMatchObject({ status: 'paid', deposit: '145.5000', settledOn: '2024-05-06', fullyPaidOn: '2024-05-06', settlementDays: ['2024-05-06'] });
  });

  it('the invoice list and the scoring history count a deposit as settled on the issue date', async () => {
    const { firmId, organisationId } = scope;
    const listed = await withFirm(firmId, () => loadLedgerInvoices(database.db, { firmId, organisationId }));
    const whole = listed.find((i) => i.externalId === '330')!;
    expect(whole.settlements).toEqual([{ date: '2024-05-06', amount: 14550, kind: 'payment', reference: 'Deposit' }]);
    const part = listed.find((i) => i.externalId === '301')!;
    expect(part.settlements.map((x) => [x.date, x.amount, x.reference])).toEqual([
      ['2024-05-02', 2000, 'Deposit'],
      ['2024-05-20', 6580, ''],
    ]);
    const ofCustomer = await withFirm(firmId, () => loadLedgerInvoices(database.db, { firmId, organisationId, contactExternalId: whole.contactExternalId }));
    expect(ofCustomer.find((i) => i.externalId === '330')!.settlements).toHaveLength(1);
    const history = await withFirm(firmId, () => loadHistory(database.db, { firmId, organisationId }));
    const h = history.find((i) => i.externalId === '330')!;
    expect({ settledDate: h.settledDate, settlementDays: h.settlementDays, settlementCum: h.settlementCum }).toEqual({ settledDate: '2024-05-06', settlementDays: ['2024-05-06'], settlementCum: [14550] });
    const p = history.find((i) => i.externalId === '301')!;
    expect(p.settlementCum).toEqual([2000, 8580]);
  });

  it('a credit memo linked by a zero-amount payment counts as credited, the cash as paid', async () => {
    expect(await invoice('290')).toMatchObject({ status: 'paid', amountPaid: '175.0000', amountCredited: '65.0000', settledOn: '2024-05-04', fullyPaidOn: '2024-05-04' });
  });

  it('a fully credited invoice is skipped as credited, not paid', async () => {
    const inv = later({ ...byId(rows('c01-invoices-query.json', 'Invoice'), '290'), Id: '340', DocNumber: '2060', LinkedTxn: [{ TxnId: '341', TxnType: 'Payment' }] }, '2024-05-10T09:00:00-07:00');
    const link = { ...byId(rows('c02-payments-query.json', 'Payment'), '312'), Id: '341', Line: [{ Amount: 240, LinkedTxn: [{ TxnId: '340', TxnType: 'Invoice' }] }, { Amount: 240, LinkedTxn: [{ TxnId: '342', TxnType: 'CreditMemo' }] }] };
    await write([inv], [link]);
    const row = await invoice('340');
    expect(row).toMatchObject({ status: 'paid', amountPaid: '0.0000', amountCredited: '240.0000', settledOn: '2024-05-04' });
    expect(closedReason(row)).toBe('credited');
    expect(closedReason(await invoice('301'))).toBe('paid');
  });

  it('an unapplied payment is stored and settles nothing; an invoice with no CurrencyRef takes the base currency', async () => {
    const bare = await invoice('305');
    expect(bare).toMatchObject({ currency: 'USD', currencyRate: '1.0000000000', settlementDays: [], settledOn: null, amountDue: '145.5000' });
    const [unapplied] = await database.db.select().from(payments).where(and(eq(payments.organisationId, scope.organisationId), eq(payments.externalId, '314')));
    expect(unapplied).toMatchObject({ amount: '250.0000', status: 'authorised', currency: 'USD' });
    expect(await database.db.select().from(paymentAllocations).where(eq(paymentAllocations.paymentId, unapplied!.id))).toEqual([]);
  });

  it('a voided invoice (enum DetailType) keeps its zeroed lines and settles nothing', async () => {
    expect(await invoice('288')).toMatchObject({ status: 'voided', total: '0.0000', deposit: '0.0000', amountCredited: '0.0000', amountPaid: '0.0000' });
  });
});

it('migration 0013 defines the settlement trigger exactly as 0012 does, plus the deposit', () => {
  const migrations = path.join(HERE, '..', '..', 'server', 'db', 'migrations');
  const fn = (file: string) => {
    const sql = readFileSync(path.join(migrations, file), 'utf8');
    const start = sql.lastIndexOf('CREATE OR REPLACE FUNCTION arcus_invoice_settlement()');
    expect(start).toBeGreaterThanOrEqual(0);
    return sql.slice(start, sql.indexOf('$$;', start) + 3);
  };
  const deposit = `
        UNION ALL
        -- QuickBooks: the invoice's own Deposit, received on its issue date (0013).
        SELECT NEW.issue_date, NEW.deposit WHERE NEW.deposit <> 0`;
  const qbo = fn('0013_qbo_settlements.sql');
  expect(qbo).toContain(deposit);
  expect(qbo.replace(deposit, '')).toBe(fn('0012_xero_settlements.sql'));
});
