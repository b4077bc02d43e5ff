/**
 * Records the sandbox's real HTTP answers for the connector edge cases into
 * test/connectors/fixtures/*.json, which the connector tests replay with nock. Re-run after a
 * sandbox change:  npx tsx test/connectors/record-fixtures.ts
 *
 * The ledgers are built document by document (no demo generator) on a fixed clock: a Xero
 * organisation in Auckland and a QuickBooks company in Los Angeles, with 0.10 + 0.20 amounts,
 * part payments, a credit note allocation, a credit memo applied by a zero-amount payment, a
 * payment that is part cash and part credit, a voided and a deleted invoice, an archived /
 * deleted contact, and the error answers (429 with Retry-After, 5xx, 401, invalid_grant, CDC
 * beyond 30 days).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SbCompany } from '../../integrations/sandbox/model';
import { startSandbox } from '../../integrations/sandbox/server';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const OUT = path.join(HERE, 'fixtures');

/** 2024-06-14T22:30:00Z: already 15 June in Auckland, still 14 June in Los Angeles. */
export const RECORDED_AT = Date.UTC(2024, 5, 14, 22, 30, 0);
export const XERO_TENANT = '4a1f7e0c-2b3d-4c5e-8f90-a1b2c3d4e5f6';
export const QBO_REALM = '9130350000000777';

const KEEP_HEADERS = ['content-type', 'retry-after', 'x-rate-limit-problem', 'x-minlimit-remaining', 'x-daylimit-remaining', 'x-appminlimit-remaining', 'www-authenticate'];

export interface Recorded {
  request: { method: string; path: string; query: Record<string, string>; headers?: Record<string, string> };
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

function company(overrides: Partial<SbCompany> & Pick<SbCompany, 'id' | 'provider' | 'name'>): SbCompany {
  return {
    legalName: overrides.name,
    baseCurrency: 'NZD',
    timezone: 'Pacific/Auckland',
    countryCode: 'NZ',
    onlinePayments: false,
    shortCode: 'REC',
    createdAt: RECORDED_AT - 400 * 86_400_000,
    rates: {},
    tracking: [{ name: 'Region', options: ['North', 'South'] }],
    nextInvoiceNumber: 1,
    nextCreditNoteNumber: 1,
    ...overrides,
  };
}

async function main(): Promise<void> {
  let clock = RECORDED_AT;
  const server = await startSandbox({ port: 0, demo: false, now: () => clock, log: () => undefined });
  const { ctx } = server.sandbox;
  const store = ctx.store;
  const tick = (ms: number) => {
    clock += ms;
  };

  // ---- Xero: Kauri Supplies Ltd, Auckland ---------------------------------------------------
  store.addCompany(company({ id: XERO_TENANT, provider: 'xero', name: 'Kauri Supplies Ltd' }));
  const aroha = store.createContact(XERO_TENANT, {
    name: 'Aroha Builders',
    firstName: 'Aroha',
    lastName: 'Ngata',
    email: 'accounts@aroha.example',
    contactPersons: [{ firstName: 'Mere', lastName: 'Ngata', email: 'mere@aroha.example', includeInEmails: true }],
    phone: '09 555 0101',
    address: { line1: '12 Quay St', city: 'Auckland', region: 'Auckland', postalCode: '1010', country: 'NZ' },
    currency: 'NZD',
  });
  const tui = store.createContact(XERO_TENANT, { name: 'Tui Traders', currency: 'NZD' });
  tick(60_000);
  // 0.10 + 0.20: a float sum would give 0.30000000000000004.
  const tiny = store.createInvoice(XERO_TENANT, {
    contactId: aroha.id,
    issueDate: '2024-06-15',
    dueDate: '2024-07-15',
    lines: [
      { description: 'Ten cents', unitAmount: 10, taxAmount: 0, tracking: [{ name: 'Region', option: 'North' }] },
      { description: 'Twenty cents', unitAmount: 20, taxAmount: 0 },
    ],
    reference: 'PO-0.3',
    lineAmountTypes: 'NoTax',
  });
  const big = store.createInvoice(XERO_TENANT, {
    contactId: aroha.id,
    issueDate: '2024-05-31',
    dueDate: null,
    lines: [{ description: 'Framing (hours)', quantity: '12.5', unitAmount: 8_880, taxAmount: 16_650 }],
  });
  const voided = store.createInvoice(XERO_TENANT, { contactId: tui.id, issueDate: '2024-06-01', dueDate: '2024-06-30', lines: [{ description: 'Cancelled order', unitAmount: 50_000 }] });
  const draft = store.createInvoice(XERO_TENANT, { contactId: tui.id, issueDate: '2024-06-10', dueDate: '2024-07-10', status: 'DRAFT', lines: [{ description: 'Quote', unitAmount: 12_345 }] });
  tick(60_000);
  store.createPayment(XERO_TENANT, { date: '2024-06-14', allocations: [{ invoiceId: big.id, amount: 50_000 }], reference: 'Part payment' });
  const cn = store.createCreditNote(XERO_TENANT, { contactId: aroha.id, date: '2024-06-14', lines: [{ description: 'Damaged timber', unitAmount: 2_000, taxAmount: 300 }] });
  store.allocateCredit(XERO_TENANT, cn.id, big.id, 2_300, '2024-06-14');
  store.voidInvoice(XERO_TENANT, voided.id);
  store.deleteInvoice(XERO_TENANT, draft.id);
  store.updateContact(XERO_TENANT, tui.id, { status: 'ARCHIVED' });
  void tiny;
  tick(60_000);

  // ---- QuickBooks: Redwood Consulting, Los Angeles ---------------------------------------------
  store.addCompany(company({ id: QBO_REALM, provider: 'quickbooks', name: 'Redwood Consulting', baseCurrency: 'USD', timezone: 'America/Los_Angeles', countryCode: 'US', tracking: [{ name: 'Class', options: ['Consulting'] }] }));
  const acme = store.createContact(QBO_REALM, { name: 'Acme Corp', firstName: 'Ada', lastName: 'Lovelace', email: 'ap@acme.example', currency: 'USD', address: { line1: '1 Market St', city: 'San Francisco', region: 'CA', postalCode: '94105', country: 'USA' } });
  const globex = store.createContact(QBO_REALM, { name: 'Globex', currency: 'USD' });
  const q1 = store.createInvoice(QBO_REALM, { contactId: acme.id, issueDate: '2024-06-11', dueDate: '2024-07-11', number: '1001', lines: [{ description: 'Ten cents', unitAmount: 10 }, { description: 'Twenty cents', unitAmount: 20 }] });
  const q2 = store.createInvoice(QBO_REALM, { contactId: acme.id, issueDate: '2024-06-01', dueDate: '2024-07-01', number: '1002', lines: [{ description: 'Audit', quantity: '3', unitAmount: 40_000, tracking: [{ name: 'Class', option: 'Consulting' }] }] });
  const q3 = store.createInvoice(QBO_REALM, { contactId: globex.id, issueDate: '2024-06-02', dueDate: '2024-07-02', number: '1003', lines: [{ description: 'Voided work', unitAmount: 9_999 }], privateNote: 'Wrong customer' });
  const q4 = store.createInvoice(QBO_REALM, { contactId: globex.id, issueDate: '2024-06-03', dueDate: '2024-07-03', number: '1004', lines: [{ description: 'Deleted work', unitAmount: 5_000 }] });
  const q5 = store.createInvoice(QBO_REALM, { contactId: acme.id, issueDate: '2024-06-05', dueDate: '2024-07-05', number: '1005', lines: [{ description: 'Support', unitAmount: 100_000 }] });
  tick(60_000);
  const memo = store.createCreditNote(QBO_REALM, { contactId: acme.id, date: '2024-06-10', number: 'CM1', lines: [{ description: 'Goodwill', unitAmount: 15_000 }] });
  // A credit memo applied by a zero-amount payment linking it and the invoice.
  const linking = store.createPayment(QBO_REALM, { date: '2024-06-10', allocations: [{ invoiceId: q2.id, amount: 15_000 }], creditNoteLinks: [{ creditNoteId: memo.id, amount: 15_000 }], amount: 0 });
  const memo2 = store.createCreditNote(QBO_REALM, { contactId: acme.id, date: '2024-06-12', number: 'CM2', lines: [{ description: 'Discount', unitAmount: 20_000 }] });
  // Part cash (700.00), part credit (200.00) on one invoice of 1,000.00 … and 0.30 on another.
  const mixed = store.createPayment(QBO_REALM, { date: '2024-06-12', allocations: [{ invoiceId: q5.id, amount: 90_000 }, { invoiceId: q1.id, amount: 30 }], creditNoteLinks: [{ creditNoteId: memo2.id, amount: 20_000 }], amount: 70_030, reference: 'CHK-42' });
  const cash = store.createPayment(QBO_REALM, { date: '2024-06-13', allocations: [{ invoiceId: q5.id, amount: 10_000 }] });
  tick(60_000);
  store.voidInvoice(QBO_REALM, q3.id);
  store.deleteInvoice(QBO_REALM, q4.id);
  store.deletePayment(QBO_REALM, cash.id);
  store.deleteContact(QBO_REALM, globex.id);
  void linking;
  void mixed;
  tick(60_000);

  // ---- grants --------------------------------------------------------------------------------
  const xeroGrant = ctx.grants.issue('xero', { clientId: 'arcus-test', companyIds: [XERO_TENANT], scopes: ['accounting.transactions', 'accounting.contacts', 'offline_access'], userSub: 'u' });
  const qboGrant = ctx.grants.issue('quickbooks', { clientId: 'arcus-test', companyIds: [QBO_REALM], scopes: ['com.intuit.quickbooks.accounting'], userSub: 'u' });

  const recorded: Record<string, Recorded> = {};
  const record = async (name: string, method: string, urlPath: string, query: Record<string, string>, headers: Record<string, string>, body?: string) => {
    const url = new URL(`${server.url}${urlPath}`);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    const res = await fetch(url, { method, headers, body });
    const text = await res.text();
    const kept: Record<string, string> = {};
    for (const h of KEEP_HEADERS) {
      const v = res.headers.get(h);
      if (v !== null) kept[h] = v;
    }
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // plain text
    }
    const relPath = urlPath.replace(/^\/xero\/api\.xro\/2\.0|^\/qbo\/v3\/company/, '');
    const safeHeaders = Object.fromEntries(Object.entries(headers).filter(([k]) => !/authorization/i.test(k)));
    recorded[name] = { request: { method, path: relPath, query, headers: safeHeaders }, status: res.status, headers: kept, body: parsed };
  };
  const xeroAuth = { Authorization: `Bearer ${xeroGrant.accessToken}`, 'xero-tenant-id': XERO_TENANT, Accept: 'application/json' };
  const xeroList = (extra: Record<string, string>) => ({ order: 'UpdatedDateUTC ASC', page: '1', pageSize: '1000', ...extra });
  await record('xero-organisation', 'GET', '/xero/api.xro/2.0/Organisation', {}, xeroAuth);
  await record('xero-contacts', 'GET', '/xero/api.xro/2.0/Contacts', xeroList({ includeArchived: 'true', summaryOnly: 'false' }), xeroAuth);
  await record('xero-invoices', 'GET', '/xero/api.xro/2.0/Invoices', xeroList({ where: 'Type=="ACCREC"', includeArchived: 'true', unitdp: '4', summaryOnly: 'false' }), xeroAuth);
  await record('xero-credit-notes', 'GET', '/xero/api.xro/2.0/CreditNotes', xeroList({ where: 'Type=="ACCRECCREDIT"', unitdp: '4' }), xeroAuth);
  await record('xero-payments', 'GET', '/xero/api.xro/2.0/Payments', xeroList({ where: 'PaymentType=="ACCRECPAYMENT"' }), xeroAuth);
  await record('xero-invoices-unchanged', 'GET', '/xero/api.xro/2.0/Invoices', xeroList({ where: 'Type=="ACCREC"', includeArchived: 'true', unitdp: '4', summaryOnly: 'false' }), { ...xeroAuth, 'If-Modified-Since': new Date(clock).toISOString() });
  ctx.faults.add({ provider: 'xero', companyId: XERO_TENANT, kind: '429', remaining: 1, delayMs: 7_000, status: 429 });
  await record('xero-429', 'GET', '/xero/api.xro/2.0/Invoices', xeroList({ where: 'Type=="ACCREC"' }), xeroAuth);
  ctx.faults.add({ provider: 'xero', companyId: XERO_TENANT, kind: '5xx', remaining: 1, delayMs: 0, status: 503 });
  await record('xero-503', 'GET', '/xero/api.xro/2.0/Invoices', xeroList({ where: 'Type=="ACCREC"' }), xeroAuth);
  await record('xero-401', 'GET', '/xero/api.xro/2.0/Invoices', xeroList({ where: 'Type=="ACCREC"' }), { ...xeroAuth, Authorization: 'Bearer expired-or-revoked' });

  const qboAuth = { Authorization: `Bearer ${qboGrant.accessToken}`, Accept: 'application/json' };
  const qboQuery = (entity: string, where = '') => ({ query: `select * from ${entity} ${where}ORDERBY MetaData.LastUpdatedTime STARTPOSITION 1 MAXRESULTS 1000`, minorversion: '75', format: 'json' });
  await record('qbo-companyinfo', 'GET', `/qbo/v3/company/${QBO_REALM}/companyinfo/${QBO_REALM}`, { minorversion: '75', format: 'json' }, qboAuth);
  await record('qbo-preferences', 'GET', `/qbo/v3/company/${QBO_REALM}/preferences`, { minorversion: '75', format: 'json' }, qboAuth);
  await record('qbo-customers', 'GET', `/qbo/v3/company/${QBO_REALM}/query`, qboQuery('customer', 'WHERE Active IN (true, false) '), qboAuth);
  await record('qbo-invoices', 'GET', `/qbo/v3/company/${QBO_REALM}/query`, qboQuery('invoice'), qboAuth);
  await record('qbo-credit-memos', 'GET', `/qbo/v3/company/${QBO_REALM}/query`, qboQuery('creditMemo'), qboAuth);
  await record('qbo-payments', 'GET', `/qbo/v3/company/${QBO_REALM}/query`, qboQuery('payment'), qboAuth);
  const since = new Date(RECORDED_AT - 3_600_000).toISOString().slice(0, 19) + 'Z';
  await record('qbo-cdc', 'GET', `/qbo/v3/company/${QBO_REALM}/cdc`, { entities: 'Customer,Invoice,CreditMemo,Payment', changedSince: since, minorversion: '75', format: 'json' }, qboAuth);
  const old = new Date(RECORDED_AT - 40 * 86_400_000).toISOString().slice(0, 19) + 'Z';
  await record('qbo-cdc-too-old', 'GET', `/qbo/v3/company/${QBO_REALM}/cdc`, { entities: 'Customer,Invoice,CreditMemo,Payment', changedSince: old, minorversion: '75', format: 'json' }, qboAuth);
  ctx.faults.add({ provider: 'quickbooks', companyId: QBO_REALM, kind: '429', remaining: 1, delayMs: 0, status: 429 });
  await record('qbo-429', 'GET', `/qbo/v3/company/${QBO_REALM}/query`, qboQuery('invoice'), qboAuth);
  ctx.faults.add({ provider: 'quickbooks', companyId: QBO_REALM, kind: '5xx', remaining: 1, delayMs: 0, status: 500 });
  await record('qbo-500', 'GET', `/qbo/v3/company/${QBO_REALM}/query`, qboQuery('invoice'), qboAuth);
  await record('qbo-401', 'GET', `/qbo/v3/company/${QBO_REALM}/query`, qboQuery('invoice'), { ...qboAuth, Authorization: 'Bearer expired-or-revoked' });

  // Token endpoints: a revoked refresh token is invalid_grant in each provider's body shape.
  const basic = `Basic ${Buffer.from('arcus-test:secret').toString('base64')}`;
  const form = { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: basic, Accept: 'application/json' };
  await record('xero-token-invalid-grant', 'POST', '/xero/connect/token', {}, form, 'grant_type=refresh_token&refresh_token=revoked-token');
  await record('qbo-token-invalid-grant', 'POST', '/qbo/oauth2/v1/tokens/bearer', {}, form, 'grant_type=refresh_token&refresh_token=revoked-token');

  for (const [name, r] of Object.entries(recorded)) writeFileSync(path.join(OUT, `${name}.json`), `${JSON.stringify(r, null, 2)}\n`);
  server.close();
  console.log(`recorded ${Object.keys(recorded).length} answers into ${path.relative(process.cwd(), OUT)}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
