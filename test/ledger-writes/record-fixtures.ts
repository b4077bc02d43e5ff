/**
 * Records the sandbox's real HTTP answers for the writers' provider edge cases into
 * test/ledger-writes/fixtures/*.json, replayed with nock by edge-cases.test.ts:
 * a QuickBooks invoice read and its 5010 stale-object fault, Xero's 400 ValidationException for
 * an allocation above the amount due, and Xero's 429 with Retry-After.
 * Re-run after a sandbox change:  npx tsx test/ledger-writes/record-fixtures.ts
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLedgerFactory } from '../../integrations/ledger/factory';
import { startSandbox } from '../../integrations/sandbox/server';
import { authorizeWithSandbox } from '../../server/sync/sandbox-connect';
import { openInvoice } from './helpers';

const OUT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const KEEP_HEADERS = ['content-type', 'retry-after', 'x-rate-limit-problem', 'x-minlimit-remaining', 'x-daylimit-remaining', 'x-appminlimit-remaining'];

export interface Recorded {
  request: { method: string; path: string };
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

async function main(): Promise<void> {
  const server = await startSandbox({ port: 0, autoConsent: true, seed: 3, demo: { companies: [{ provider: 'xero', customers: 3, invoices: 10 }, { provider: 'quickbooks', customers: 3, invoices: 10 }] }, log: () => undefined });
  try {
    const store = server.sandbox.ctx.store;
    const factory = createLedgerFactory({ sandboxBaseUrl: server.url, xero: null, intuit: null, now: () => store.clock.peek() });
    const [xeroId, qboId] = server.sandbox.companyIds as [string, string];
    const xeroToken = (await authorizeWithSandbox(factory.oauth('xero')!, xeroId)).tokens.accessToken;
    const qboToken = (await authorizeWithSandbox(factory.oauth('quickbooks')!, qboId)).tokens.accessToken;
    const record = async (name: string, method: string, urlPath: string, headers: Record<string, string>, body?: unknown) => {
      const res = await fetch(`${server.url}${urlPath}`, { method, headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
      const kept: Record<string, string> = {};
      for (const h of KEEP_HEADERS) {
        const v = res.headers.get(h);
        if (v !== null) kept[h] = v;
      }
      const text = await res.text();
      const rec: Recorded = { request: { method, path: urlPath.replace(/\?.*$/, '') }, status: res.status, headers: kept, body: text ? JSON.parse(text) : null };
      writeFileSync(path.join(OUT, `${name}.json`), `${JSON.stringify(rec, null, 2)}\n`);
      return rec;
    };

    // QuickBooks: an open invoice read, then an update with a stale SyncToken (5010).
    const qboInv = openInvoice(store, qboId);
    const qbo = { authorization: `Bearer ${qboToken}`, accept: 'application/json' };
    const read = await record('qbo-invoice-read', 'GET', `/qbo/v3/company/${qboId}/invoice/${qboInv.id}?minorversion=75`, qbo);
    const token = String((read.body as { Invoice: { SyncToken: string } }).Invoice.SyncToken);
    await record('qbo-update-5010', 'POST', `/qbo/v3/company/${qboId}/invoice?operation=update&minorversion=75`, qbo, { Id: qboInv.id, SyncToken: String(Number(token) + 7), sparse: true, CustomerMemo: { value: 'x' } });

    // Xero: a credit note, then an allocation above the invoice's amount due (400), then a 429.
    const xero = { authorization: `Bearer ${xeroToken}`, 'xero-tenant-id': xeroId, accept: 'application/json' };
    const xInv = openInvoice(store, xeroId);
    const cn = await record('xero-credit-note-created', 'PUT', '/xero/api.xro/2.0/CreditNotes', xero, {
      CreditNotes: [{ Type: 'ACCRECCREDIT', Contact: { ContactID: xInv.contactId }, Status: 'AUTHORISED', LineAmountTypes: 'NoTax', CurrencyCode: xInv.currency, Reference: 'Arcus 00000000 goodwill', LineItems: [{ Description: 'Goodwill', Quantity: 1, UnitAmount: 100000 }] }],
    });
    const cnId = (cn.body as { CreditNotes: { CreditNoteID: string }[] }).CreditNotes[0]!.CreditNoteID;
    await record('xero-allocation-400', 'PUT', `/xero/api.xro/2.0/CreditNotes/${cnId}/Allocations`, xero, { Allocations: [{ Amount: (xInv.amountDue + 100) / 100, Invoice: { InvoiceID: xInv.id } }] });
    server.sandbox.ctx.faults.add({ provider: 'xero', companyId: xeroId, kind: '429', remaining: 1, delayMs: 30_000, status: 429 });
    await record('xero-429', 'GET', `/xero/api.xro/2.0/Invoices/${xInv.id}`, xero);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections?.();
  }
}

await main();
