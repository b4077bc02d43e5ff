/**
 * Contract tests for QuickBooks Online on real-shaped payloads (issue #13): node-quickbooks makes
 * real HTTP requests through QboApi, nock answers them with the fixtures in
 * fixtures/conformance/ (their origins and licences are in that folder's README), and the
 * normalised result is checked case by case — a Deposit, a DiscountLineDetail line, a void answer
 * with enum-style DetailType, optional fields absent, a credit memo applied by a zero-amount
 * payment, an unapplied payment, an XML 429 — and the Intuit webhook deliveries (signatures, a
 * legacy Merge with its deletedId, CloudEvents). What the database makes of the same payloads is
 * test/connectors/qbo-settlements.test.ts.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { CallRunner } from '../../integrations/ledger/call';
import { intuitEndpoints } from '../../integrations/ledger/endpoints';
import { LedgerError } from '../../integrations/ledger/errors';
import { limiterGate } from '../../integrations/ledger/gate';
import type { SyncPage } from '../../integrations/ledger/provider';
import { MemoryRateLimiter } from '../../integrations/ledger/rate-limit';
import type { NormInvoice, NormPayment } from '../../integrations/ledger/types';
import { QboApi } from '../../integrations/quickbooks/api';
import { fromMinor, sumMinor, toMinor } from '../../kernel/money';
import { parseQuickBooksPayload } from '../../server/webhooks/payloads';
import { verifyWebhookSignature } from '../../server/webhooks/signature';
import { cleanNock, nock, QBO_API, QBO_HOST } from './replay';

const DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'conformance');
const REALM = '9130350000000777';
const NOW = Date.UTC(2024, 5, 14, 22, 30, 0);

interface Answer {
  http: { method: string; path: string; status: number; headers: Record<string, string> };
  body: unknown;
}

interface Delivery {
  http: { headers: Record<string, string> };
  raw: string;
  key?: string;
}

function load<T>(name: string): T {
  return JSON.parse(readFileSync(path.join(DIR, name), 'utf8')) as T;
}

function api() {
  const runner = new CallRunner(limiterGate(new MemoryRateLimiter(), { provider: 'quickbooks', tenantId: REALM }));
  return new QboApi({ endpoints: intuitEndpoints(QBO_HOST), clientId: 'c', clientSecret: 's', accessToken: 'token-c', realmId: REALM, now: () => NOW, runner });
}

/** Answer the next query with a fixture, exactly as recorded (status, headers, body). */
function answerQuery(entity: string, name: string): void {
  const a = load<Answer>(name);
  nock(QBO_HOST, { reqheaders: { authorization: 'Bearer token-c' } })
    .get(`${QBO_API}/${REALM}/query`)
    .query((q: Record<string, unknown>) => String(q['query']).startsWith(`select * from ${entity} `))
    .reply(a.http.status, a.body as nock.Body, a.http.headers);
}

async function read<T>(it: AsyncIterable<SyncPage<T>>): Promise<T[]> {
  const out: T[] = [];
  for await (const p of it) out.push(...p.items);
  return out;
}

afterEach(() => {
  expect(nock.pendingMocks()).toEqual([]);
  cleanNock();
});

describe('QuickBooks invoices (c01)', () => {
  const invoices = async () => {
    answerQuery('invoice', 'qbo/c01-invoices-query.json');
    return new Map((await read<NormInvoice>(api().changes('invoices', { since: null }))).map((i) => [i.externalId, i]));
  };

  it('a Deposit is carried as a settlement; the DiscountLineDetail line is kept, so lines add up to the subtotal', async () => {
    const inv = (await invoices()).get('301')!;
    expect(inv).toMatchObject({ number: '2040', total: '85.80', totalTax: '7.80', subTotal: '78.00', amountDue: '65.80', amountPaid: '20.00', deposit: '20.00', status: 'authorised', issueDate: '2024-05-02' });
    expect(inv.lines.map((l) => [l.description, l.quantity, l.unitAmount, l.lineAmount])).toEqual([
      ['Pruning, 2 visits', '2.0000', '40.0000', '80.00'],
      ['Discount 10%', '1.0000', '-8.0000', '-8.00'],
      ['', '1.0000', '0.0000', '6.00'],
    ]);
    expect(fromMinor(sumMinor(inv.lines.map((l) => toMinor(l.lineAmount))))).toBe(inv.subTotal);
  });

  it('a void answer with enum-style DetailType keeps its lines (zeroed) and is voided', async () => {
    const inv = (await invoices()).get('288')!;
    expect(inv).toMatchObject({ status: 'voided', total: '0.00', amountDue: '0.00', amountPaid: '0.00', deposit: '0.00' });
    expect(inv.lines.map((l) => [l.description, l.lineAmount, l.quantity])).toEqual([
      ['Hedge trimming', '0.00', '0.0000'],
      ['Green waste removal', '0.00', '0.0000'],
    ]);
  });

  it('optional fields absent (CurrencyRef, ExchangeRate, HomeTotalAmt, HomeBalance, Deposit, LinkedTxn): rate 1, currency left to the organisation', async () => {
    const inv = (await invoices()).get('305')!;
    expect(inv).toMatchObject({ currency: '', currencyRate: '1', total: '145.50', amountDue: '145.50', amountPaid: '0.00', deposit: '0.00', status: 'authorised', contactExternalId: '58' });
    expect(inv.lines).toHaveLength(1);
  });

  it('a foreign-currency invoice keeps its own ExchangeRate; Home amounts are not needed', async () => {
    const inv = (await invoices()).get('307')!;
    expect(inv).toMatchObject({ currency: 'CAD', currencyRate: '0.7318', total: '310.25', amountDue: '310.25' });
  });

  it('an invoice settled by cash and a credit memo: Balance 0 → paid (the credit is derived from the payments, see qbo-settlements)', async () => {
    const inv = (await invoices()).get('290')!;
    expect(inv).toMatchObject({ status: 'paid', total: '240.00', amountDue: '0.00', amountPaid: '240.00', amountCredited: '0.00', deposit: '0.00' });
  });
});

describe('QuickBooks payments (c02)', () => {
  it('cash, a credit memo linked to an invoice by a zero-amount payment, and an unapplied payment that settles nothing', async () => {
    answerQuery('payment', 'qbo/c02-payments-query.json');
    const [cash, link, unapplied] = (await read<NormPayment>(api().changes('payments', { since: null }))) as [NormPayment, NormPayment, NormPayment];
    expect(cash).toMatchObject({ externalId: '309', amount: '175.00', allocations: [{ invoiceExternalId: '290', amount: '175.00', date: '2024-05-01' }], creditApplications: [] });
    expect(link).toMatchObject({ externalId: '312', amount: '0.00', allocations: [], creditApplications: [{ creditNoteExternalId: '311', invoiceExternalId: '290', amount: '65.00', date: '2024-05-04' }] });
    expect(unapplied).toMatchObject({ externalId: '314', amount: '250.00', currency: '', currencyRate: '1', contactExternalId: '58', allocations: [], creditApplications: [], status: 'authorised' });
  });
});

describe('QuickBooks throttling (c03)', () => {
  it('an XML 429 ThrottleExceeded with no Retry-After → rate_limited, a minute, the fault read from the XML', async () => {
    answerQuery('invoice', 'qbo/c03-throttle-429-xml.json');
    const err = await read(api().changes('invoices', { since: null })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LedgerError);
    expect(err).toMatchObject({ code: 'rate_limited', retryable: true, options: { status: 429, retryAfterMs: 60_000 } });
    expect((err as LedgerError).message).toMatch(/ThrottleExceeded.*The request limit was reached.*\(3001\)/);
  });
});

describe('Intuit webhooks', () => {
  const deliver = (name: string) => {
    const d = load<Delivery>(name);
    const raw = Buffer.from(d.raw, 'utf8');
    return { d, raw, valid: verifyWebhookSignature(raw, d.http.headers['intuit-signature'], d.key ?? null), events: parseQuickBooksPayload(JSON.parse(d.raw)) };
  };

  it('w01 (Intuit Java SDK, Apache-2.0): the legacy signature verifies; one Customer Create', () => {
    const { valid, events, d, raw } = deliver('webhooks/w01-intuit-legacy-javasdk.json');
    expect(valid).toBe(true);
    expect(verifyWebhookSignature(raw, `123${d.http.headers['intuit-signature']}`, d.key!)).toBe(false);
    expect(events).toEqual([expect.objectContaining({ tenantId: '1185883450', entity: 'Customer', resourceId: '1', operation: 'Create' })]);
    expect(events![0]!.deletedId).toBeUndefined();
  });

  it('c04: a legacy Merge keeps its deletedId (event and stored payload); merges into one record are told apart by it', () => {
    const { valid, events, d } = deliver('webhooks/c04-intuit-legacy-merge.json');
    expect(valid).toBe(true);
    expect(events).toHaveLength(2);
    const [merge, update] = events as [NonNullable<typeof events>[number], NonNullable<typeof events>[number]];
    expect(merge).toMatchObject({ tenantId: REALM, entity: 'Customer', resourceId: '58', operation: 'Merge', deletedId: '66', payload: { realmId: REALM, id: '58', deletedId: '66' } });
    expect(update).toMatchObject({ entity: 'Invoice', resourceId: '305', operation: 'Update' });
    expect(update.deletedId).toBeUndefined();
    const other = JSON.parse(d.raw) as { eventNotifications: { dataChangeEvent: { entities: { deletedId?: string }[] } }[] };
    other.eventNotifications[0]!.dataChangeEvent.entities[0]!.deletedId = '67';
    expect(parseQuickBooksPayload(other)![0]!.eventId).not.toBe(merge.eventId);
  });

  it('w04 (Intuit Java SDK, Apache-2.0): a CloudEvents array', () => {
    const { events } = deliver('webhooks/w04-intuit-cloudevents-javasdk.json');
    expect(events).toEqual([expect.objectContaining({ eventId: 'ce:d1a3aedd-9670-41bf-a4f9-c148a1cc4e03', tenantId: '310687', entity: 'class', resourceId: '1234', operation: 'created' })]);
  });
});
