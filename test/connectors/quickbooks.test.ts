/**
 * The QuickBooks connector (node-quickbooks through QboApi) on recorded sandbox answers replayed
 * with nock: queries and their mapping (voided invoice, 0.10 + 0.20, a credit memo applied by a
 * zero-amount payment, a payment part cash part credit, a deleted customer), CDC (one call for
 * all entity types, deleted entities, offsets in MetaData times, the 30-day refusal) and
 * failures classified into LedgerError.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CallRunner } from '../../integrations/ledger/call';
import { intuitEndpoints } from '../../integrations/ledger/endpoints';
import { limiterGate } from '../../integrations/ledger/gate';
import { MemoryRateLimiter } from '../../integrations/ledger/rate-limit';
import { LedgerError } from '../../integrations/ledger/errors';
import type { SyncPage } from '../../integrations/ledger/provider';
import type { NormContact, NormCreditNote, NormInvoice, NormPayment } from '../../integrations/ledger/types';
import { QboApi } from '../../integrations/quickbooks/api';
import { QBO_REALM, RECORDED_AT } from './record-fixtures';
import { cleanNock, fixture, nock, QBO_API, QBO_HOST, reply } from './replay';

const endpoints = intuitEndpoints(QBO_HOST);
const base = `${QBO_API}/${QBO_REALM}`;

function runner(timeoutMs?: number) {
  return new CallRunner(limiterGate(new MemoryRateLimiter(), { provider: 'quickbooks', tenantId: QBO_REALM }), timeoutMs);
}

function api(extra: { timeoutMs?: number; now?: () => number } = {}) {
  return new QboApi({ endpoints, clientId: 'c', clientSecret: 's', accessToken: 'token-q', realmId: QBO_REALM, now: extra.now ?? (() => RECORDED_AT), runner: runner(extra.timeoutMs) });
}

async function pages<T>(it: AsyncIterable<SyncPage<T>>): Promise<SyncPage<T>[]> {
  const out: SyncPage<T>[] = [];
  for await (const p of it) out.push(p);
  return out;
}

const items = <T>(ps: SyncPage<T>[]) => ps.flatMap((p) => p.items);
const qbo = () => nock(QBO_HOST, { reqheaders: { authorization: 'Bearer token-q' } });
const queryFor = (entity: string, extra = '') => (q: Record<string, unknown>) =>
  q['minorversion'] === '75' && q['query'] === `select * from ${entity} ${extra}ORDERBY MetaData.LastUpdatedTime STARTPOSITION 1 MAXRESULTS 1000`;

afterEach(() => {
  expect(nock.pendingMocks()).toEqual([]);
  cleanNock();
});

describe('QuickBooks: full read by query', () => {
  it('invoices: 0.10 + 0.20 exact, voided invoices, paid = total − balance, classes as tracking', async () => {
    reply(qbo().get(`${base}/query`).query(queryFor('invoice')), fixture('qbo-invoices'));
    const client = api();
    const invoices = items<NormInvoice>(await pages(client.changes('invoices', { since: null })));
    expect(client.calls).toBe(1);
    const by = new Map(invoices.map((i) => [i.number, i]));
    expect([...by.keys()].sort()).toEqual(['1001', '1002', '1003', '1005']);
    expect(by.get('1001')).toMatchObject({ total: '0.30', subTotal: '0.30', amountDue: '0.00', amountPaid: '0.30', amountCredited: '0.00', status: 'paid', issueDate: '2024-06-11', dueDate: '2024-07-11' });
    expect(by.get('1001')!.lines.map((l) => [l.lineAmount, l.unitAmount])).toEqual([
      ['0.10', '0.1000'],
      ['0.20', '0.2000'],
    ]);
    expect(by.get('1002')).toMatchObject({ total: '1200.00', amountDue: '1050.00', amountPaid: '150.00', status: 'authorised' });
    expect(by.get('1002')!.lines[0]).toMatchObject({ quantity: '3.0000', unitAmount: '400.0000', lineAmount: '1200.00', tracking: [{ name: 'Class', option: 'Consulting' }], taxCode: 'NON' });
    // Each line keeps its TaxCodeRef as recorded (decision 061).
    expect(by.get('1001')!.lines.map((l) => l.taxCode)).toEqual(['NON', 'NON']);
    expect(by.get('1003')).toMatchObject({ status: 'voided', total: '0.00', amountDue: '0.00', amountPaid: '0.00' });
    expect(by.get('1005')).toMatchObject({ total: '1000.00', amountDue: '100.00', amountPaid: '900.00', status: 'authorised' });
    // MetaData times carry the company's offset: 15:33 in Los Angeles is 22:33 UTC.
    expect(by.get('1001')!.ledgerUpdatedAt!.toISOString()).toMatch(/^2024-06-14T22:3\d:00\.000Z$/);
  });

  it('payments: a credit memo applied by a zero-amount payment, and a payment part cash part credit', async () => {
    reply(qbo().get(`${base}/query`).query(queryFor('payment')), fixture('qbo-payments'));
    const payments = items<NormPayment>(await pages(api().changes('payments', { since: null })));
    const [linking, mixed] = payments as [NormPayment, NormPayment];
    expect(linking).toMatchObject({ amount: '0.00', allocations: [], creditApplications: [{ creditNoteExternalId: '8', invoiceExternalId: '4', amount: '150.00', date: '2024-06-10' }] });
    expect(mixed).toMatchObject({ amount: '700.30', reference: 'CHK-42', currency: 'USD' });
    expect(mixed.allocations).toEqual([
      { invoiceExternalId: '7', amount: '700.00', date: '2024-06-12' },
      { invoiceExternalId: '3', amount: '0.30', date: '2024-06-12' },
    ]);
    expect(mixed.creditApplications).toEqual([{ creditNoteExternalId: '10', invoiceExternalId: '7', amount: '200.00', date: '2024-06-12' }]);
  });

  it('customers (inactive ones included; a deleted one loses its " (deleted)" suffix) and credit memos', async () => {
    reply(qbo().get(`${base}/query`).query(queryFor('customer', 'WHERE Active IN (true, false) ')), fixture('qbo-customers'));
    reply(qbo().get(`${base}/query`).query(queryFor('creditMemo')), fixture('qbo-credit-memos'));
    const client = api();
    const customers = items<NormContact>(await pages(client.changes('contacts', { since: null })));
    expect(customers.map((c) => [c.name, c.status])).toEqual([
      ['Acme Corp', 'active'],
      ['Globex', 'deleted'],
    ]);
    expect(customers[0]).toMatchObject({ firstName: 'Ada', lastName: 'Lovelace', emails: [{ address: 'ap@acme.example', primary: true }], addresses: [{ type: 'billing', line1: '1 Market St', region: 'CA' }] });
    const memos = items<NormCreditNote>(await pages(client.changes('creditNotes', { since: null })));
    expect(memos.map((m) => [m.number, m.total, m.remainingCredit, m.status, m.allocations.length])).toEqual([
      ['CM1', '150.00', '0.00', 'paid', 0],
      ['CM2', '200.00', '0.00', 'paid', 0],
    ]);
  });

  it('organisation: CompanyInfo and Preferences; no time zone (the caller picks one by country)', async () => {
    reply(qbo().get(`${base}/companyinfo/${QBO_REALM}`).query(true), fixture('qbo-companyinfo'));
    reply(qbo().get(`${base}/preferences`).query(true), fixture('qbo-preferences'));
    expect(await api().organisation()).toEqual({ externalId: QBO_REALM, name: 'Redwood Consulting', baseCurrency: 'USD', timezone: '', countryCode: 'US' });
  });
});

describe('QuickBooks: incremental by CDC', () => {
  const since = new Date(RECORDED_AT - 3_600_000);
  const cdc = () =>
    qbo()
      .get(`${base}/cdc`)
      .query((q: Record<string, unknown>) => String(q['entities']).split(',').sort().join(',') === 'CreditMemo,Customer,Invoice,Payment' && q['changedSince'] === `${since.toISOString().slice(0, 19)}Z`);

  it('one CDC call serves all four entity types; deleted entities come back as ids', async () => {
    reply(cdc(), fixture('qbo-cdc'));
    const client = api();
    const cursors = { contacts: { since }, invoices: { since }, creditNotes: { since }, payments: { since } };
    client.prepare(cursors);
    const contacts = await pages(client.changes('contacts', cursors.contacts));
    const invoices = await pages(client.changes('invoices', cursors.invoices));
    const memos = await pages(client.changes('creditNotes', cursors.creditNotes));
    const payments = await pages(client.changes('payments', cursors.payments));
    expect(client.calls).toBe(1);
    expect(items(contacts).map((c) => (c as NormContact).status)).toEqual(['active', 'deleted']);
    expect(items(invoices).map((i) => [(i as NormInvoice).number, (i as NormInvoice).status])).toEqual([
      ['1002', 'authorised'],
      ['1001', 'paid'],
      ['1003', 'voided'],
      ['1005', 'authorised'],
    ]);
    expect(invoices[0]!.deletedIds).toEqual(['6']);
    expect(payments[0]!.deletedIds).toEqual(['12']);
    expect(items(memos)).toHaveLength(2);
    // A complete read covers up to QBO's answer time, less a minute.
    expect(invoices[0]!.highWater!.toISOString()).toBe('2024-06-14T22:35:00.000Z');
  });

  it('CDC refusing a changedSince beyond 30 days (clocks disagree) → the LastUpdatedTime query', async () => {
    reply(cdc(), fixture('qbo-cdc-too-old'));
    reply(
      qbo()
        .get(`${base}/query`)
        .query((q: Record<string, unknown>) => q['query'] === `select * from invoice WHERE MetaData.LastUpdatedTime >= '${since.toISOString().slice(0, 19)}Z' ORDERBY MetaData.LastUpdatedTime STARTPOSITION 1 MAXRESULTS 1000`),
      fixture('qbo-invoices'),
    );
    const client = api();
    client.prepare({ contacts: { since }, invoices: { since }, creditNotes: { since }, payments: { since } });
    const invoices = items<NormInvoice>(await pages(client.changes('invoices', { since })));
    expect(invoices).toHaveLength(4);
    expect(client.calls).toBe(2);
  });

  it('beyond the 30-day window: straight to the query, no CDC call', async () => {
    const old = new Date(RECORDED_AT - 40 * 86_400_000);
    reply(qbo().get(`${base}/query`).query((q: Record<string, unknown>) => String(q['query']).includes(`>= '${old.toISOString().slice(0, 19)}Z'`)), fixture('qbo-invoices'));
    const client = api();
    expect(items(await pages(client.changes('invoices', { since: old })))).toHaveLength(4);
    expect(client.calls).toBe(1);
  });
});

describe('QuickBooks: failures', () => {
  it('429 ThrottleExceeded (no Retry-After) → rate_limited with a minute', async () => {
    reply(qbo().get(`${base}/query`).query(true), fixture('qbo-429'));
    const err = await pages(api().changes('invoices', { since: null })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LedgerError);
    expect(err).toMatchObject({ code: 'rate_limited', options: { status: 429, retryAfterMs: 60_000 } });
  });

  it('500 → server; 401 → unauthorized; too slow → timeout; refused connection → network', async () => {
    reply(qbo().get(`${base}/query`).query(true), fixture('qbo-500'));
    await expect(pages(api().changes('invoices', { since: null }))).rejects.toMatchObject({ code: 'server', retryable: true, message: expect.stringMatching(/System Failure Error/) });
    reply(nock(QBO_HOST).get(`${base}/query`).query(true), fixture('qbo-401'));
    await expect(pages(api().changes('invoices', { since: null }))).rejects.toMatchObject({ code: 'unauthorized', message: expect.stringMatching(/AuthenticationFailed/) });
    const slow = nock(QBO_HOST).get(`${base}/query`).query(true).delay(300).reply(200, fixture('qbo-invoices').body as nock.Body);
    const slowReplied = new Promise((r) => slow.once('replied', r));
    await expect(pages(api({ timeoutMs: 50 }).changes('invoices', { since: null }))).rejects.toMatchObject({ code: 'timeout' });
    const refused = new QboApi({ endpoints: intuitEndpoints('http://127.0.0.1:1'), clientId: 'c', clientSecret: 's', accessToken: 't', realmId: QBO_REALM, runner: runner() });
    await expect(pages(refused.changes('invoices', { since: null }))).rejects.toMatchObject({ code: 'network' });
    // The timed-out request's reply still arrives later: wait for it before nock is cleaned.
    await slowReplied;
  });
});
