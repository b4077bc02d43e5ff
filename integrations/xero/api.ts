/**
 * The Xero Accounting API through xero-node's AccountingApi, one instance per connection
 * (its own access token, `basePath` from endpoints; never `initialize()`, which discovers
 * Xero's own hosts). Incremental reads page by keyset over If-Modified-Since with
 * `order=UpdatedDateUTC ASC` at Xero's largest page size (1000) — see integrations/ledger/keyset.ts
 * and docs/decisions/004-sync-paging.md. "Nothing changed" is one call per entity type.
 */
import { AccountingApi } from 'xero-node';
import { type CallRunner, headerGetter } from '../ledger/call';
import type { ProviderEndpoints } from '../ledger/endpoints';
import { LedgerError } from '../ledger/errors';
import { keysetPages } from '../ledger/keyset';
import { type EntityCursor, idBatches, type LedgerApi, type SyncPage } from '../ledger/provider';
import type { CreditEntityType, EntityType, NormContact, NormCreditNote, NormInvoice, NormOrganisation, NormPayment, NormPrepayment, SyncEntityType } from '../ledger/types';
import { classifyXeroError } from './errors';
import {
  mapXeroContact,
  mapXeroCreditNote,
  mapXeroInvoice,
  mapXeroOrganisation,
  mapXeroPayment,
  mapXeroPrepayment,
  type XeroContactIn,
  type XeroCreditNoteIn,
  type XeroInvoiceIn,
  type XeroOrganisationIn,
  type XeroPaymentIn,
  type XeroPrepaymentIn,
} from './mappers';

/** Xero's largest page size for Contacts, Invoices, CreditNotes and Payments. */
export const XERO_PAGE_SIZE = 1000;

const ORDER = 'UpdatedDateUTC ASC';

type Raw = { updatedDateUTC?: Date | string };
type Norm = NormContact | NormInvoice | NormPayment | NormCreditNote | NormPrepayment;

export interface XeroApiParams {
  endpoints: ProviderEndpoints;
  accessToken: string;
  tenantId: string;
  /** Every call goes through this (the tenant's gate, a deadline, a call count). */
  runner: CallRunner;
  pageSize?: number;
}

function updatedMs(row: Raw, id: string | undefined): number {
  const v = row.updatedDateUTC;
  const t = v instanceof Date ? v.getTime() : typeof v === 'string' ? Date.parse(v) : Number.NaN;
  if (Number.isNaN(t)) throw new LedgerError('validation', `Xero sent ${id ?? 'a record'} without UpdatedDateUTC`);
  return t;
}

export class XeroApi implements LedgerApi {
  readonly provider = 'xero' as const;
  private readonly sdk: AccountingApi;
  private readonly runner: CallRunner;
  private readonly tenantId: string;
  private readonly pageSize: number;
  private baseCurrency: string | null = null;

  constructor(params: XeroApiParams) {
    this.sdk = new AccountingApi(params.endpoints.apiBaseUrl);
    this.sdk.basePath = params.endpoints.apiBaseUrl;
    this.sdk.accessToken = params.accessToken;
    this.tenantId = params.tenantId;
    this.runner = params.runner;
    this.pageSize = params.pageSize ?? XERO_PAGE_SIZE;
  }

  get calls(): number {
    return this.runner.calls;
  }

  /** One SDK call through the gate; the body and the response headers. */
  private call<B>(what: string, fn: () => Promise<{ response: { status?: number; headers?: unknown }; body: B }>): Promise<B> {
    return this.runner.run(
      what,
      async () => {
        const r = await fn();
        return { value: r.body, status: r.response.status ?? 200, headers: headerGetter(r.response.headers) };
      },
      (err) => classifyXeroError(err, what),
    );
  }

  async organisation(): Promise<NormOrganisation> {
    const body = await this.call('Reading the Xero organisation', () => this.sdk.getOrganisations(this.tenantId));
    const org = body.organisations?.[0] as XeroOrganisationIn | undefined;
    if (!org) throw new LedgerError('not_found', 'Xero returned no organisation for this tenant');
    const out = mapXeroOrganisation(org, this.tenantId);
    this.baseCurrency = out.baseCurrency;
    return out;
  }

  private modifiedSince(since: number | null, inclusive: boolean): Date | undefined {
    if (since === null) return undefined;
    // If-Modified-Since is "strictly after": one millisecond earlier includes `since` itself.
    return new Date(inclusive ? since - 1 : since);
  }

  /** Raw records of one entity type, one page per call. */
  private fetchPage(entity: SyncEntityType, since: number | null, inclusive: boolean, page: number): Promise<Raw[]> {
    const ims = this.modifiedSince(since, inclusive);
    const t = this.tenantId;
    const n = this.pageSize;
    switch (entity) {
      case 'contacts':
        return this.call('Reading Xero contacts', () => this.sdk.getContacts(t, ims, undefined, ORDER, undefined, page, true, false, undefined, n)).then((b) => (b.contacts ?? []) as Raw[]);
      case 'invoices':
        return this.call('Reading Xero invoices', () =>
          this.sdk.getInvoices(t, ims, 'Type=="ACCREC"', ORDER, undefined, undefined, undefined, undefined, page, true, undefined, 4, false, n),
        ).then((b) => (b.invoices ?? []) as Raw[]);
      case 'creditNotes':
        return this.call('Reading Xero credit notes', () => this.sdk.getCreditNotes(t, ims, 'Type=="ACCRECCREDIT"', ORDER, page, 4, n)).then((b) => (b.creditNotes ?? []) as Raw[]);
      case 'payments':
        return this.call('Reading Xero payments', () => this.sdk.getPayments(t, ims, 'PaymentType=="ACCRECPAYMENT"', ORDER, page, n)).then((b) => (b.payments ?? []) as Raw[]);
      // Both directions come back (SPEND- are supplier-side); the mapper keeps the RECEIVE- ones.
      case 'overpayments':
        return this.call('Reading Xero overpayments', () => this.sdk.getOverpayments(t, ims, undefined, ORDER, page, 4, n)).then((b) => (b.overpayments ?? []) as Raw[]);
      case 'prepayments':
        return this.call('Reading Xero prepayments', () => this.sdk.getPrepayments(t, ims, undefined, ORDER, page, 4, n)).then((b) => (b.prepayments ?? []) as Raw[]);
    }
  }

  private idOf(entity: SyncEntityType, row: Raw): string | undefined {
    const r = row as { contactID?: string; invoiceID?: string; creditNoteID?: string; paymentID?: string; overpaymentID?: string; prepaymentID?: string };
    switch (entity) {
      case 'contacts':
        return r.contactID;
      case 'invoices':
        return r.invoiceID;
      case 'creditNotes':
        return r.creditNoteID;
      case 'payments':
        return r.paymentID;
      case 'overpayments':
        return r.overpaymentID;
      case 'prepayments':
        return r.prepaymentID;
    }
  }

  private map(entity: SyncEntityType, row: Raw): Norm | null {
    switch (entity) {
      case 'contacts':
        return mapXeroContact(row as XeroContactIn);
      case 'invoices':
        return mapXeroInvoice(row as XeroInvoiceIn);
      case 'creditNotes':
        return mapXeroCreditNote(row as XeroCreditNoteIn);
      case 'payments':
        return mapXeroPayment(row as XeroPaymentIn, { baseCurrency: this.baseCurrency ?? '' });
      case 'overpayments':
      case 'prepayments':
        return mapXeroPrepayment(row as XeroPrepaymentIn);
    }
  }

  /** `GET Invoices?IDs=a,b,…` (≤ 100 ids a call, unitdp=4 like the sync); deleted invoices are absent. */
  async invoicesById(externalIds: readonly string[]): Promise<NormInvoice[]> {
    const out: NormInvoice[] = [];
    for (const ids of idBatches(externalIds)) {
      const body = await this.call('Reading Xero invoices by id', () =>
        this.sdk.getInvoices(this.tenantId, undefined, undefined, undefined, ids, undefined, undefined, undefined, undefined, true, undefined, 4, false),
      );
      for (const row of (body.invoices ?? []) as XeroInvoiceIn[]) {
        const n = mapXeroInvoice(row);
        if (n) out.push(n);
      }
    }
    return out;
  }

  /** Overpayments and prepayments, paged like the other entities. */
  credits(entity: CreditEntityType, cursor: EntityCursor): AsyncIterable<SyncPage<NormPrepayment>> {
    return this.pages(entity, cursor) as AsyncIterable<SyncPage<NormPrepayment>>;
  }

  changes(entity: 'contacts', cursor: EntityCursor): AsyncIterable<SyncPage<NormContact>>;
  changes(entity: 'invoices', cursor: EntityCursor): AsyncIterable<SyncPage<NormInvoice>>;
  changes(entity: 'payments', cursor: EntityCursor): AsyncIterable<SyncPage<NormPayment>>;
  changes(entity: 'creditNotes', cursor: EntityCursor): AsyncIterable<SyncPage<NormCreditNote>>;
  changes(entity: EntityType, cursor: EntityCursor): AsyncIterable<SyncPage<Norm>>;
  changes(entity: EntityType, cursor: EntityCursor): AsyncIterable<SyncPage<Norm>> {
    return this.pages(entity, cursor);
  }

  private async *pages(entity: SyncEntityType, cursor: EntityCursor): AsyncIterable<SyncPage<Norm>> {
    const start = { since: cursor.since ? cursor.since.getTime() : null, inclusive: cursor.inclusive ?? false };
    const pages = keysetPages<Raw>(start, {
      pageSize: this.pageSize,
      fetch: (r) => this.fetchPage(entity, r.since, r.inclusive, r.page + 1),
      key: (row) => {
        const id = this.idOf(entity, row);
        return { id: (id ?? '').toLowerCase(), at: updatedMs(row, id) };
      },
    });
    for await (const page of pages) {
      const items: Norm[] = [];
      for (const row of page.rows) {
        const n = this.map(entity, row);
        if (n) items.push(n);
      }
      yield {
        items,
        deletedIds: [],
        resume: page.resume ? { since: new Date(page.resume.since), inclusive: true } : undefined,
        highWater: page.highWater === null ? null : new Date(page.highWater),
      };
    }
  }
}
