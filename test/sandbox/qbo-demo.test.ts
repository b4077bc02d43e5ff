/**
 * The QBO API over the demo generator's ledger (integrations/sandbox/demo), read through
 * node-quickbooks: paging reaches every document, balances reconcile with the payments
 * that reference them, multi-currency amounts convert exactly, and every object the demo
 * produces uses only names Finance.xsd declares.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandboxContext, type Grant, type SandboxContext } from '../../integrations/sandbox/context';
import { seedDemo } from '../../integrations/sandbox/demo';
import { SandboxClock, SandboxStore } from '../../integrations/sandbox/store';
import { mulRate, toMinor } from '../../kernel/money';
import { type Json, type Sdk, type Served, sdk, serveQbo, T0 } from './qbo-fixture';
import { undeclared } from './qbo-xsd';

type QueryResponse = { QueryResponse: Json; time: string };

let ctx: SandboxContext;
let served: Served;
let realms: string[];
const grants: Record<string, Grant> = {};
const clients: Record<string, Sdk> = {};

beforeAll(async () => {
  const store = new SandboxStore(new SandboxClock(() => T0));
  ctx = createSandboxContext(store);
  realms = seedDemo(store, {
    seed: 11,
    now: T0,
    companies: [
      { provider: 'quickbooks', name: 'Redwood Dental Group', baseCurrency: 'USD', timezone: 'America/Los_Angeles', countryCode: 'US', customers: 30, years: 1, industry: 'dental', taxRatePercent: 0 },
      { provider: 'quickbooks', name: 'Maple Street Bakery', baseCurrency: 'CAD', timezone: 'America/Toronto', countryCode: 'CA', customers: 20, years: 1, industry: 'bakery', taxRatePercent: 13, foreignCurrencies: { USD: '1.3650' } },
    ],
  });
  served = await serveQbo(ctx);
  for (const realm of realms) {
    grants[realm] = ctx.grants.issue('quickbooks', { clientId: 'arcus', companyIds: [realm], scopes: ['com.intuit.quickbooks.accounting'], userSub: 'u' });
    clients[realm] = sdk(served.baseUrl, grants[realm]!.accessToken, realm);
  }
});

afterAll(() => served.close());

async function fetchAll(qb: Sdk, method: string, entity: string): Promise<Json[]> {
  const res = await qb.call<QueryResponse>(method, { fetchAll: true, limit: 40 });
  return (res.QueryResponse[entity] as Json[] | undefined) ?? [];
}

describe('QBO over demo data', () => {
  it('fetchAll pages through every invoice, payment, credit memo and customer', async () => {
    for (const realm of realms) {
      const qb = clients[realm]!;
      const invoices = await fetchAll(qb, 'findInvoices', 'Invoice');
      const count = await qb.call<QueryResponse>('findInvoices', { count: true });
      expect(invoices.length).toBeGreaterThan(40);
      expect(invoices.length).toBe(count.QueryResponse['totalCount']);
      expect(new Set(invoices.map((i) => i['Id'])).size).toBe(invoices.length);
      const live = ctx.store.list('invoices', realm).filter((i) => i.status !== 'DELETED');
      expect(invoices.length).toBe(live.length);
      const customers = await qb.call<QueryResponse>('findCustomers', { Active: [true, false], fetchAll: true, limit: 40 });
      expect((customers.QueryResponse['Customer'] as Json[]).length).toBe(ctx.store.list('contacts', realm).length);
    }
  });

  it('every invoice balance equals its total less its Deposit and the payment lines that reference it', async () => {
    for (const realm of realms) {
      const qb = clients[realm]!;
      const invoices = await fetchAll(qb, 'findInvoices', 'Invoice');
      const payments = await fetchAll(qb, 'findPayments', 'Payment');
      const paid = new Map<string, number>();
      for (const p of payments) {
        for (const line of p['Line'] as Json[]) {
          const txn = (line['LinkedTxn'] as Json[])[0]!;
          if (txn['TxnType'] === 'Invoice') paid.set(String(txn['TxnId']), (paid.get(String(txn['TxnId'])) ?? 0) + toMinor(line['Amount'] as number));
        }
      }
      for (const inv of invoices) {
        const total = toMinor(inv['TotalAmt'] as number);
        const balance = toMinor(inv['Balance'] as number);
        if (String(inv['PrivateNote'] ?? '').startsWith('Voided')) {
          expect([total, balance]).toEqual([0, 0]);
          continue;
        }
        expect(balance, `invoice ${String(inv['Id'])}`).toBe(total - toMinor((inv['Deposit'] as number) ?? 0) - (paid.get(String(inv['Id'])) ?? 0));
        // Discount lines are subtracted (QBO sends their Amount positive).
        const lines = (inv['Line'] as Json[]).filter((l) => l['DetailType'] === 'SalesItemLineDetail' || l['DetailType'] === 'DiscountLineDetail');
        const subTotal = lines.reduce((s, l) => s + (l['DetailType'] === 'DiscountLineDetail' ? -1 : 1) * toMinor(l['Amount'] as number), 0);
        expect(subTotal + toMinor((inv['TxnTaxDetail'] as Json)['TotalTax'] as number)).toBe(total);
      }
    }
  });

  it('customer balances add up to open invoices less unused credit and unapplied payments', async () => {
    for (const realm of realms) {
      const qb = clients[realm]!;
      const sum = (rows: Json[], key: string) => rows.reduce((s, r) => s + toMinor((r[key] as number) ?? 0), 0);
      const customers = await qb.call<QueryResponse>('findCustomers', { Active: [true, false], fetchAll: true });
      const invoices = await fetchAll(qb, 'findInvoices', 'Invoice');
      const memos = await fetchAll(qb, 'findCreditMemos', 'CreditMemo');
      const payments = await fetchAll(qb, 'findPayments', 'Payment');
      expect(sum(customers.QueryResponse['Customer'] as Json[], 'Balance')).toBe(sum(invoices, 'Balance') - sum(memos, 'RemainingCredit') - sum(payments, 'UnappliedAmt'));
    }
  });

  it('foreign-currency invoices carry a rate of their own around the company rate, and exact home amounts', async () => {
    const bakery = realms[1]!;
    const invoices = await fetchAll(clients[bakery]!, 'findInvoices', 'Invoice');
    const usd = invoices.filter((i) => (i['CurrencyRef'] as Json)['value'] === 'USD');
    expect(usd.length).toBeGreaterThan(0);
    const rates = new Set<string>();
    for (const inv of usd) {
      const rate = String(inv['ExchangeRate']);
      rates.add(rate);
      expect(Math.abs(toMinor(rate, 4) - 13_650)).toBeLessThanOrEqual(250);
      expect(toMinor(inv['HomeTotalAmt'] as number)).toBe(mulRate(toMinor(inv['TotalAmt'] as number), rate));
    }
    expect(rates.size).toBeGreaterThan(1);
    // Home-currency invoices of a multicurrency company carry rate 1.
    expect(invoices.filter((i) => (i['CurrencyRef'] as Json)['value'] === 'CAD').every((i) => i['ExchangeRate'] === 1)).toBe(true);
  });

  it('holds the cases real QuickBooks companies do: deposits, discount lines, payments on account, optional fields absent', async () => {
    const [single, multi] = realms as [string, string];
    const all = { invoices: [] as Json[], payments: [] as Json[] };
    for (const realm of realms) {
      all.invoices.push(...(await fetchAll(clients[realm]!, 'findInvoices', 'Invoice')));
      all.payments.push(...(await fetchAll(clients[realm]!, 'findPayments', 'Payment')));
    }
    expect(all.invoices.filter((i) => toMinor((i['Deposit'] as number) ?? 0) > 0).length).toBeGreaterThan(0);
    expect(all.invoices.filter((i) => (i['Line'] as Json[]).some((l) => l['DetailType'] === 'DiscountLineDetail')).length).toBeGreaterThan(0);
    const onAccount = all.payments.filter((p) => (p['Line'] as Json[]).length === 0);
    expect(onAccount.length).toBeGreaterThan(0);
    for (const p of onAccount) expect(p['UnappliedAmt']).toBe(p['TotalAmt']);
    const singles = await fetchAll(clients[single]!, 'findInvoices', 'Invoice');
    expect(singles.some((i) => i['CurrencyRef'] === undefined)).toBe(true);
    expect(singles.every((i) => i['ExchangeRate'] === undefined && i['HomeTotalAmt'] === undefined && i['HomeBalance'] === undefined)).toBe(true);
    expect((await fetchAll(clients[multi]!, 'findInvoices', 'Invoice')).every((i) => i['CurrencyRef'] !== undefined && i['ExchangeRate'] !== undefined)).toBe(true);
    // Bounced cheques: payments recorded and later deleted, seen only as deletions (CDC).
    expect(ctx.store.list('payments', single).concat(ctx.store.list('payments', multi)).filter((p) => p.status === 'DELETED').length).toBeGreaterThan(0);
  });

  it('every demo object uses only names Finance.xsd declares; CompanyInfo, Preferences and CDC answer', async () => {
    for (const realm of realms) {
      const qb = clients[realm]!;
      for (const [method, entity] of [
        ['findInvoices', 'Invoice'],
        ['findPayments', 'Payment'],
        ['findCreditMemos', 'CreditMemo'],
        ['findCustomers', 'Customer'],
      ] as const) {
        const rows = await fetchAll(qb, method, entity);
        expect(undeclared(rows, entity, entity)).toEqual([]);
      }
      const info = await qb.call<Json>('getCompanyInfo', realm);
      expect(info['CompanyName']).toBe(ctx.store.company(realm).name);
      expect(undeclared(info, 'CompanyInfo', 'CompanyInfo')).toEqual([]);
      const prefs = await qb.call<Json>('getPreferences');
      expect((prefs['CurrencyPrefs'] as Json)['HomeCurrency']).toEqual({ value: ctx.store.company(realm).baseCurrency });
      const since = new Date(T0 - 29 * 86_400_000);
      const cdc = await qb.call<{ CDCResponse: { QueryResponse: Json[] }[] }>('changeDataCapture', 'Invoice,Payment,CreditMemo,Customer', since);
      const changed = cdc.CDCResponse[0]!.QueryResponse;
      expect(changed).toHaveLength(4);
      const invoices = (changed[0]!['Invoice'] as Json[] | undefined) ?? [];
      expect(invoices.length).toBeGreaterThan(0);
      expect(invoices.length).toBeLessThanOrEqual(1000);
    }
  });
});
