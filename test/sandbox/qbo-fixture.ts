/**
 * A small QuickBooks company in a fresh sandbox store, the QBO router served over real HTTP
 * on 127.0.0.1, and node-quickbooks pointed at it with only its endpoint changed.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import express from 'express';
import { toMinor } from '../../kernel/money';
import { createSandboxContext, type Grant, type SandboxContext } from '../../integrations/sandbox/context';
import type { SbCompany } from '../../integrations/sandbox/model';
import { qboApiRouter } from '../../integrations/sandbox/qbo/api';
import { SandboxClock, SandboxStore } from '../../integrations/sandbox/store';

export type Json = Record<string, unknown>;

/** 2024-06-03T10:00:00-07:00: a Monday in PDT. */
export const T0 = Date.UTC(2024, 5, 3, 17, 0, 0);
export const REALM = '9130350000000001';
export const OTHER_REALM = '9130350000000002';

export interface QboFixture {
  store: SandboxStore;
  ctx: SandboxContext;
  realm: string;
  company: SbCompany;
  grant: Grant;
  ids: {
    acme: string;
    globex: string;
    dormant: string;
    /** Acme: 1001 (open 1,000.00), 1002 (open 250.50), 1003 (open 80.00, tax 8.00). */
    inv1: string;
    inv2: string;
    inv3: string;
    /** Globex: 1004 (open 400.00), 1005 (open 99.99, 2024-05-20). */
    inv4: string;
    inv5: string;
  };
}

function company(id: string, name: string, overrides: Partial<SbCompany> = {}): SbCompany {
  return {
    id,
    provider: 'quickbooks',
    name,
    legalName: `${name} LLC`,
    baseCurrency: 'USD',
    timezone: 'America/Los_Angeles',
    countryCode: 'US',
    onlinePayments: true,
    shortCode: 'RDW',
    createdAt: Date.UTC(2022, 0, 10, 18, 0, 0),
    rates: { CAD: '0.7300' },
    tracking: [{ name: 'Class', options: ['Consulting', 'Support'] }],
    nextInvoiceNumber: 1,
    nextCreditNoteNumber: 1,
    ...overrides,
  };
}

export function buildQboFixture(): QboFixture {
  const store = new SandboxStore(new SandboxClock(() => T0));
  const ctx = createSandboxContext(store, { baseUrl: 'http://sandbox.test' });
  const co = store.addCompany(company(REALM, 'Redwood Consulting'));
  store.addCompany(company(OTHER_REALM, 'Other Books'));
  const acme = store.createContact(REALM, {
    name: 'Acme Corp',
    firstName: 'Ada',
    lastName: 'Lovelace',
    email: 'ap@acme.example',
    phone: '(415) 555-0100',
    address: { line1: '1 Market St', city: 'San Francisco', region: 'CA', postalCode: '94105', country: 'USA' },
  });
  const globex = store.createContact(REALM, { name: 'Globex' });
  const dormant = store.createContact(REALM, { name: 'Dormant Ltd' });
  store.updateContact(REALM, dormant.id, { status: 'ARCHIVED' });
  const line = (amount: string, description = 'Consulting hours', extra: Json = {}) => ({ description, unitAmount: toMinor(amount), ...extra });
  const inv1 = store.createInvoice(REALM, { contactId: acme.id, issueDate: '2024-04-01', dueDate: '2024-05-01', number: '1001', lines: [line('1000.00')], privateNote: 'April retainer' });
  const inv2 = store.createInvoice(REALM, {
    contactId: acme.id,
    issueDate: '2024-05-02',
    dueDate: '2024-06-01',
    number: '1002',
    lines: [line('100.20', 'Support', { quantity: '2.5', tracking: [{ name: 'Class', option: 'Support' }] })],
  });
  const inv3 = store.createInvoice(REALM, { contactId: acme.id, issueDate: '2024-05-10', dueDate: '2024-06-09', number: '1003', lines: [line('80.00', 'Widgets', { taxAmount: toMinor('8.00') })] });
  const inv4 = store.createInvoice(REALM, { contactId: globex.id, issueDate: '2024-05-15', dueDate: '2024-06-14', number: '1004', lines: [line('400.00')] });
  const inv5 = store.createInvoice(REALM, { contactId: globex.id, issueDate: '2024-05-20', dueDate: '2024-06-19', number: '1005', lines: [line('99.99')] });
  const grant = ctx.grants.issue('quickbooks', { clientId: 'c', companyIds: [REALM], scopes: ['com.intuit.quickbooks.accounting'], userSub: 'u' });
  return {
    store,
    ctx,
    realm: REALM,
    company: co,
    grant,
    ids: { acme: acme.id, globex: globex.id, dormant: dormant.id, inv1: inv1.id, inv2: inv2.id, inv3: inv3.id, inv4: inv4.id, inv5: inv5.id },
  };
}

export interface Served {
  baseUrl: string;
  close(): Promise<void>;
}

/** The QBO router at /qbo/v3/company on 127.0.0.1:<random port>. */
export async function serveQbo(ctx: SandboxContext): Promise<Served> {
  const app = express();
  app.use('/qbo/v3/company', qboApiRouter(ctx));
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

// ---- node-quickbooks -------------------------------------------------------------------------

interface QuickBooksInstance {
  endpoint: string;
  [method: string]: unknown;
}
type QuickBooksCtor = new (...args: unknown[]) => QuickBooksInstance;

const require = createRequire(import.meta.url);
const QuickBooks = require('node-quickbooks') as QuickBooksCtor;

export interface Sdk {
  qbo: QuickBooksInstance;
  /** Call a node-quickbooks method through util.promisify. */
  call<T = Json>(method: string, ...args: unknown[]): Promise<T>;
}

/** node-quickbooks as an app would build it, then pointed at the sandbox. */
export function sdk(baseUrl: string, accessToken: string, realm: string): Sdk {
  const qbo = new QuickBooks('client-id', 'client-secret', accessToken, false, realm, true, false, 75, '2.0', 'refresh-token');
  qbo.endpoint = `${baseUrl}/qbo/v3/company/`;
  return {
    qbo,
    call<T>(method: string, ...args: unknown[]): Promise<T> {
      const fn = qbo[method];
      if (typeof fn !== 'function') throw new Error(`node-quickbooks has no method ${method}`);
      return (promisify(fn.bind(qbo)) as (...a: unknown[]) => Promise<T>)(...args);
    },
  };
}

/** The QBO fault body behind a node-quickbooks rejection (axios error or Fault body). */
export function faultOf(err: unknown): { status: number | undefined; body: Json } {
  const e = err as { response?: { status: number; data: Json }; Fault?: unknown };
  if (e?.response) return { status: e.response.status, body: e.response.data };
  return { status: undefined, body: err as Json };
}

/** The first Error of a `{Fault:{Error:[…]}}` body. */
export function firstError(body: Json): { Message: string; Detail: string; code: string; element?: string } {
  const fault = body['Fault'] as { Error: { Message: string; Detail: string; code: string; element?: string }[] };
  return fault.Error[0]!;
}

// ---- raw HTTP --------------------------------------------------------------------------------

export interface RawResponse {
  status: number;
  body: Json;
  headers: Headers;
}

export async function raw(
  baseUrl: string,
  realm: string,
  token: string | null,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  const init: RequestInit = { method, headers: { Accept: 'application/json', ...headers } };
  if (token) (init.headers as Record<string, string>)['Authorization'] = `Bearer ${token}`;
  if (body !== undefined) {
    (init.headers as Record<string, string>)['Content-Type'] ??= 'application/json';
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
  }
  const res = await fetch(`${baseUrl}/qbo/v3/company/${realm}${path}`, init);
  const text = await res.text();
  let parsed: Json;
  try {
    parsed = JSON.parse(text) as Json;
  } catch {
    parsed = { __text: text };
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

/** `GET /query?query=…` with proper encoding. */
export function query(baseUrl: string, realm: string, token: string, text: string): Promise<RawResponse> {
  return raw(baseUrl, realm, token, 'GET', `/query?query=${encodeURIComponent(text)}&minorversion=75`);
}
