/**
 * The contract test over the demo generator's Xero organisations: every list page, a sample of
 * single documents, histories and online invoices, all validated against Xero's spec — and the
 * amounts read back through the API add up exactly to the ledger's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandboxContext, type SandboxContext } from '../../integrations/sandbox/context';
import { DEFAULT_DEMO_COMPANIES, seedDemo } from '../../integrations/sandbox/demo';
import type { SandboxStore } from '../../integrations/sandbox/store';
import { numberToDecimalString, toMinor } from '../../kernel/money';
import { validateRecorded } from './xero-contract';
import { anchoredStore, relaxedLimiter, startXeroServer, type XeroServer } from './xero-fixture';

let store: SandboxStore;
let ctx: SandboxContext;
let server: XeroServer;
let ids: string[];
let token: string;

beforeAll(async () => {
  store = anchoredStore();
  ids = seedDemo(store, { seed: 20240615, companies: DEFAULT_DEMO_COMPANIES.filter((c) => c.provider === 'xero') });
  ctx = createSandboxContext(store);
  ctx.limiter = relaxedLimiter();
  token = ctx.grants.issue('xero', { clientId: 'c', companyIds: ids, scopes: [], userSub: 'u' }).accessToken;
  server = await startXeroServer(ctx);
});

afterAll(async () => {
  const result = validateRecorded(server.recorded);
  await server.close();
  console.info(`[xero contract] xero-demo: validated ${result.checked} responses ${JSON.stringify(result.bySchema)}`);
  expect(result.failures.slice(0, 10)).toEqual([]);
});

// biome-ignore lint/suspicious/noExplicitAny: responses are inspected freely
async function get(tenant: string, path: string, headers: Record<string, string> = {}): Promise<any> {
  const res = await fetch(`${server.api}${path}`, { headers: { Authorization: `Bearer ${token}`, 'xero-tenant-id': tenant, Accept: 'application/json', ...headers } });
  expect(res.status, path).toBe(200);
  return res.json();
}

// biome-ignore lint/suspicious/noExplicitAny: responses are inspected freely
async function all(tenant: string, resource: string, query = ''): Promise<any[]> {
  const out = [];
  for (let page = 1; ; page++) {
    const body = await get(tenant, `/${resource}?page=${page}&pageSize=1000${query}`);
    out.push(...body[resource]);
    if (page >= body.pagination.pageCount) return out;
  }
}

const minor = (n: number) => toMinor(numberToDecimalString(n));

describe('demo data through the Xero API', () => {
  it('seeds Xero organisations', () => {
    expect(ids.length).toBeGreaterThanOrEqual(1);
  });

  it('every list page validates and adds up to the ledger', async () => {
    for (const tenant of ids) {
      const company = store.company(tenant);
      const org = (await get(tenant, '/Organisation')).Organisations[0];
      expect(org).toMatchObject({ OrganisationID: tenant, BaseCurrency: company.baseCurrency, CountryCode: company.countryCode });
      expect(org.Timezone).not.toBe('UTC');

      const contacts = await all(tenant, 'Contacts', '&includeArchived=true');
      expect(contacts).toHaveLength(store.list('contacts', tenant).length);

      const invoices = await all(tenant, 'Invoices', '&order=UpdatedDateUTC%20ASC');
      const ledger = store.list('invoices', tenant);
      expect(invoices).toHaveLength(ledger.length);
      expect(new Set(invoices.map((i) => i.InvoiceID)).size).toBe(ledger.length);
      const due = (xs: { AmountDue: number }[]) => xs.reduce((s, i) => s + minor(i.AmountDue), 0);
      expect(due(invoices)).toBe(ledger.reduce((s, i) => s + i.amountDue, 0));
      const totals = invoices.reduce((s, i) => s + minor(i.Total), 0);
      expect(totals).toBe(ledger.reduce((s, i) => s + i.total, 0));
      const updated = invoices.map((i) => Number(/\d+/.exec(i.UpdatedDateUTC)![0]));
      expect(updated).toEqual([...updated].sort((a, b) => a - b));

      const payments = await all(tenant, 'Payments');
      expect(payments).toHaveLength(store.list('payments', tenant).length);
      const creditNotes = await all(tenant, 'CreditNotes');
      expect(creditNotes).toHaveLength(store.list('creditNotes', tenant).length);

      // Outstanding balances per contact equal AUTHORISED amounts due.
      const outstanding = contacts.reduce((s, c) => s + minor(c.Balances.AccountsReceivable.Outstanding), 0);
      expect(outstanding).toBe(ledger.filter((i) => i.status === 'AUTHORISED').reduce((s, i) => s + i.amountDue, 0));

      const summary = await get(tenant, '/Invoices?summaryOnly=true');
      expect(summary.Invoices).toHaveLength(ledger.length);
      const overdue = await get(tenant, `/Invoices?where=${encodeURIComponent('Type=="ACCREC" && Status=="AUTHORISED" && AmountDue>0 && DueDate<DateTime(2024,06,01)')}&order=DueDate`);
      expect(overdue.Invoices.length).toBe(ledger.filter((i) => i.status === 'AUTHORISED' && i.amountDue > 0 && i.dueDate !== null && i.dueDate < '2024-06-01').length);
    }
  });

  it('overpayments and prepayments validate, settle their invoices and add up to the ledger; batch and deleted payments are there', async () => {
    for (const tenant of ids) {
      let allocated = 0;
      for (const [path, key, idName] of [
        ['/Overpayments', 'Overpayments', 'OverpaymentID'],
        ['/Prepayments', 'Prepayments', 'PrepaymentID'],
      ] as const) {
        const list = (await get(tenant, `${path}?pageSize=1000`))[key] as { Allocations: { Amount: number; Invoice: { InvoiceID: string } }[]; RemainingCredit: number; Total: number }[];
        expect(list.length, `${tenant} ${path}`).toBeGreaterThan(0);
        for (const x of list) {
          const used = x.Allocations.reduce((sum, a) => sum + toMinor(numberToDecimalString(a.Amount), 2), 0);
          expect(toMinor(numberToDecimalString(x.Total), 2) - used).toBe(toMinor(numberToDecimalString(x.RemainingCredit), 2));
          allocated += used;
        }
        const one = (list[0] as unknown as Record<string, string>)[idName];
        expect((await get(tenant, `${path}/${one}`))[key]).toHaveLength(1);
      }
      const ledger = store
        .list('prepayments', tenant)
        .filter((x) => x.status !== 'VOIDED')
        .reduce((sum, x) => sum + x.allocations.reduce((s2, a) => s2 + a.amount, 0), 0);
      expect(allocated).toBe(ledger);
      const payments = store.list('payments', tenant);
      expect(payments.some((p) => p.batch)).toBe(true);
      // Real payment pages hold a good share of deleted payments.
      expect(payments.filter((p) => p.status === 'DELETED').length / payments.length).toBeGreaterThan(0.05);
      expect(store.list('invoices', tenant).some((i) => i.status === 'AUTHORISED' && i.fullyPaidOnDate !== null)).toBe(true);
    }
  });

  it('single documents, histories and online invoices validate', async () => {
    for (const tenant of ids) {
      const invoices = store.list('invoices', tenant);
      const sample = invoices.filter((_, i) => i % Math.max(1, Math.floor(invoices.length / 15)) === 0);
      for (const inv of sample) {
        const one = (await get(tenant, `/Invoices/${inv.id}`)).Invoices[0];
        expect(minor(one.AmountDue)).toBe(inv.amountDue);
        expect(one.LineItems.length).toBe(inv.lines.length);
        await get(tenant, `/Invoices/${inv.id}/History`);
        if (inv.status === 'AUTHORISED' || inv.status === 'PAID') await get(tenant, `/Invoices/${inv.id}/OnlineInvoice`);
      }
      for (const p of store.list('payments', tenant).slice(0, 10)) await get(tenant, `/Payments/${p.id}`);
      for (const cn of store.list('creditNotes', tenant).slice(0, 10)) await get(tenant, `/CreditNotes/${cn.id}`);
      for (const c of store.list('contacts', tenant).slice(0, 10)) await get(tenant, `/Contacts/${c.id}`);
    }
  });
});
