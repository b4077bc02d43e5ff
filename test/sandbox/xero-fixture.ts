/**
 * A small Xero sandbox for tests: a store on a clock anchored at 2024-06-15T00:00Z (it moves
 * with real time), one Xero organisation with customers and documents in every state, the
 * Xero router mounted at /xero/api.xro/2.0 on 127.0.0.1:0, a bearer token, and a recorder of
 * every JSON response for the contract check.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createSandboxContext, type Grant, RateLimiter, type SandboxContext } from '../../integrations/sandbox/context';
import type { SbCompany, SbContact, SbCreditNote, SbInvoice, SbPayment } from '../../integrations/sandbox/model';
import { SandboxClock, SandboxStore } from '../../integrations/sandbox/store';
import { XERO_API_BASE_PATH, xeroApiRouter } from '../../integrations/sandbox/xero/api';
import type { RecordedResponse } from './xero-contract';

export const ANCHOR_MS = Date.UTC(2024, 5, 15, 0, 0, 0);

export function anchoredStore(anchor = ANCHOR_MS): SandboxStore {
  const started = Date.now();
  return new SandboxStore(new SandboxClock(() => anchor + (Date.now() - started)));
}

export function addXeroCompany(store: SandboxStore, overrides: Partial<SbCompany> = {}): SbCompany {
  return store.addCompany({
    id: randomUUID(),
    provider: 'xero',
    name: 'Harbour Accounting Ltd',
    legalName: 'Harbour Accounting Limited',
    baseCurrency: 'NZD',
    timezone: 'Pacific/Auckland',
    countryCode: 'NZ',
    onlinePayments: true,
    shortCode: '!hB4rT',
    createdAt: Date.UTC(2020, 0, 1),
    rates: { AUD: '1.0870', USD: '1.6530' },
    tracking: [{ name: 'Region', options: ['North', 'South'] }],
    nextInvoiceNumber: 1,
    nextCreditNoteNumber: 1,
    ...overrides,
  });
}

export interface SeededLedger {
  contacts: SbContact[];
  /** [0] AUTHORISED overdue, [1] AUTHORISED due later, [2] DRAFT, [3] PAID, [4] part-credited, [5] VOIDED, [6] AUD AUTHORISED. */
  invoices: SbInvoice[];
  payment: SbPayment;
  creditNote: SbCreditNote;
}

/** Customers and documents in every state a collections app meets. */
export function seedXeroLedger(store: SandboxStore, companyId: string): SeededLedger {
  const contacts = [
    store.createContact(companyId, {
      name: 'Aroha Builders',
      firstName: 'Aroha',
      lastName: 'Ngata',
      email: 'accounts@aroha.example',
      phone: '09 555 0101',
      address: { line1: '1 Queen St', city: 'Auckland', region: 'Auckland', postalCode: '1010', country: 'New Zealand' },
      contactPersons: [{ firstName: 'Mere', lastName: 'Ngata', email: 'mere@aroha.example', includeInEmails: true }],
    }),
    store.createContact(companyId, { name: 'Southern Cafe', email: 'hello@southern.example' }),
    store.createContact(companyId, { name: 'Kauri Imports', email: 'ap@kauri.example', currency: 'AUD' }),
  ];
  const [aroha, southern, kauri] = contacts as [SbContact, SbContact, SbContact];
  const line = (description: string, unit: number, quantity = '1', taxAmount = 0) => ({ description, unitAmount: unit, quantity, taxAmount, accountCode: '200' });
  const invoices = [
    store.createInvoice(companyId, {
      contactId: aroha.id,
      issueDate: '2024-04-01',
      dueDate: '2024-04-30',
      lines: [{ ...line('Framing', 125_050, '2', 37_515), tracking: [{ name: 'Region', option: 'North' }] }],
      reference: 'PO-1001',
    }),
    store.createInvoice(companyId, { contactId: aroha.id, issueDate: '2024-06-01', dueDate: '2024-07-01', lines: [line('Roofing', 80_000)] }),
    store.createInvoice(companyId, { contactId: southern.id, issueDate: '2024-06-10', dueDate: '2024-07-10', lines: [line('Coffee machine service', 15_000)], status: 'DRAFT' }),
    store.createInvoice(companyId, { contactId: southern.id, issueDate: '2024-03-01', dueDate: '2024-03-31', lines: [line('Fit-out', 230_000, '1', 34_500)] }),
    store.createInvoice(companyId, { contactId: southern.id, issueDate: '2024-05-01', dueDate: '2024-05-31', lines: [line('Plumbing', 50_000, '1.5')] }),
    store.createInvoice(companyId, { contactId: aroha.id, issueDate: '2024-02-01', dueDate: '2024-03-01', lines: [line('Cancelled job', 10_000)] }),
    store.createInvoice(companyId, { contactId: kauri.id, issueDate: '2024-05-20', dueDate: '2024-06-05', lines: [line('Export crates', 99_999)], currency: 'AUD' }),
  ];
  const payment = store.createPayment(companyId, { date: '2024-04-10', allocations: [{ invoiceId: invoices[3]!.id, amount: invoices[3]!.total }], reference: 'DD 0410' });
  const creditNote = store.createCreditNote(companyId, { contactId: southern.id, date: '2024-05-15', lines: [line('Discount for delay', 20_000)] });
  store.allocateCredit(companyId, creditNote.id, invoices[4]!.id, 12_500, '2024-05-16');
  store.voidInvoice(companyId, invoices[5]!.id);
  return { contacts, invoices, payment, creditNote };
}

export interface XeroServer {
  base: string;
  /** base + /xero/api.xro/2.0 */
  api: string;
  recorded: RecordedResponse[];
  close: () => Promise<void>;
}

/** Serve the Xero router over real HTTP, recording every JSON response it sends. */
export async function startXeroServer(ctx: SandboxContext): Promise<XeroServer> {
  const recorded: RecordedResponse[] = [];
  const app = express();
  app.use((req, res, next) => {
    const json = res.json.bind(res);
    res.json = (body: unknown) => {
      recorded.push({ method: req.method, path: req.originalUrl, status: res.statusCode, body: JSON.parse(JSON.stringify(body)) });
      return json(body);
    };
    next();
  });
  app.use(XERO_API_BASE_PATH, xeroApiRouter(ctx));
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  ctx.options.baseUrl = base;
  return {
    base,
    api: `${base}${XERO_API_BASE_PATH}`,
    recorded,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface CallOptions {
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
  /** Override the bearer token (null: no Authorization header). */
  token?: string | null;
  /** Override the tenant header (null: none). */
  tenant?: string | null;
}

export interface CallResult {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: test responses are inspected freely
  body: any;
}

export interface XeroFixture extends XeroServer {
  store: SandboxStore;
  ctx: SandboxContext;
  company: SbCompany;
  grant: Grant;
  ledger: SeededLedger;
  call: (method: string, path: string, opts?: CallOptions) => Promise<CallResult>;
}

/**
 * A limiter on its own clock that jumps a minute and more on every reading, so minute and day
 * windows never fill (the concurrency limit still applies). For suites that are not about limits.
 */
export function relaxedLimiter(): RateLimiter {
  let t = 0;
  return new RateLimiter(() => (t += 61_000));
}

export async function startXeroFixture(opts: { seed?: boolean; realLimits?: boolean } = {}): Promise<XeroFixture> {
  const store = anchoredStore();
  const company = addXeroCompany(store);
  const ledger = opts.seed === false ? { contacts: [], invoices: [], payment: undefined as unknown as SbPayment, creditNote: undefined as unknown as SbCreditNote } : seedXeroLedger(store, company.id);
  const ctx = createSandboxContext(store);
  if (!opts.realLimits) ctx.limiter = relaxedLimiter();
  const grant = ctx.grants.issue('xero', { clientId: 'c', companyIds: [company.id], scopes: [], userSub: 'u' });
  const server = await startXeroServer(ctx);
  const call = async (method: string, path: string, o: CallOptions = {}): Promise<CallResult> => {
    const headers: Record<string, string> = { Accept: 'application/json', ...o.headers };
    const token = o.token === undefined ? grant.accessToken : o.token;
    if (token !== null) headers.Authorization = `Bearer ${token}`;
    const tenant = o.tenant === undefined ? company.id : o.tenant;
    if (tenant !== null) headers['xero-tenant-id'] = tenant;
    let body: string | undefined;
    if (o.rawBody !== undefined) body = o.rawBody;
    else if (o.body !== undefined) body = JSON.stringify(o.body);
    if (body !== undefined && !headers['Content-Type']) headers['Content-Type'] = 'application/json';
    const res = await fetch(`${server.api}${path}`, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    if ((res.headers.get('content-type') ?? '').includes('json')) parsed = JSON.parse(text);
    return { status: res.status, headers: res.headers, text, body: parsed };
  };
  return { ...server, store, ctx, company, grant, ledger, call };
}
