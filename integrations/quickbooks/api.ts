/**
 * QuickBooks Online through node-quickbooks. Incremental reads inside CDC's 30-day window use
 * one CDC call for all four entity types (cached for the run, counted once); beyond it, and
 * for a full sync, `SELECT * FROM X WHERE MetaData.LastUpdatedTime >= '…' ORDERBY
 * MetaData.LastUpdatedTime STARTPOSITION n MAXRESULTS 1000`, paged by keyset
 * (integrations/ledger/keyset.ts). CDC answers at most 1000 changes per entity with no paging:
 * a full answer is continued by another CDC from its newest change, and by the query path if a
 * single second holds more than 1000 changes. Deleted transactions only appear in CDC.
 */
import { type CallRunner, headerGetter } from '../ledger/call';
import type { ProviderEndpoints } from '../ledger/endpoints';
import { LedgerError } from '../ledger/errors';
import { keysetPages } from '../ledger/keyset';
import { type EntityCursor, idBatches, INVOICES_BY_ID_BATCH, type LedgerApi, type SyncPage } from '../ledger/provider';
import type { EntityType, NormContact, NormCreditNote, NormInvoice, NormOrganisation, NormPayment } from '../ledger/types';
import { classifyQboError, qboFaultCode } from './errors';
import { type Json, lastUpdated, mapQboCreditMemo, mapQboCustomer, mapQboInvoice, mapQboOrganisation, mapQboPayment } from './mappers';
import { type QboMethod, QboSdk } from './sdk';

/** QBO's largest MAXRESULTS. */
export const QBO_PAGE_SIZE = 1000;
/** CDC answers at most this many changes per entity. */
export const CDC_MAX_PER_ENTITY = 1000;
/** CDC refuses changedSince more than 30 days back; keep an hour's margin for clock skew. */
export const CDC_WINDOW_MS = 30 * 86_400_000 - 3_600_000;
/**
 * A complete read at QBO time R has seen every change up to R, bar commits still in flight:
 * the read covers up to R minus this margin, so quiet entities' checkpoints keep up with time
 * (and stay inside CDC's window) instead of lagging at their last change.
 */
export const COVERAGE_MARGIN_MS = 60_000;

type Norm = NormContact | NormInvoice | NormPayment | NormCreditNote;

const QBO_ENTITY: Record<EntityType, 'Customer' | 'Invoice' | 'Payment' | 'CreditMemo'> = {
  contacts: 'Customer',
  invoices: 'Invoice',
  payments: 'Payment',
  creditNotes: 'CreditMemo',
};

const FIND: Record<EntityType, QboMethod> = {
  contacts: 'findCustomers',
  invoices: 'findInvoices',
  payments: 'findPayments',
  creditNotes: 'findCreditMemos',
};

export interface QboApiParams {
  endpoints: ProviderEndpoints;
  clientId: string;
  clientSecret: string;
  accessToken: string;
  realmId: string;
  /** Every call goes through this (the tenant's gate, a deadline, a call count). */
  runner: CallRunner;
  pageSize?: number;
  now?: () => number;
}

/** A QBO query literal: whole seconds, UTC. */
export function qboTime(ms: number): string {
  return `${new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19)}Z`;
}

interface CdcAnswer {
  since: number;
  /** QBO's time when it answered. */
  at: number;
  rows: Map<EntityType, Json[]>;
}

/** The `time` QBO stamps on every response, as epoch ms. */
function responseTime(body: Json): number | null {
  const t = typeof body['time'] === 'string' ? Date.parse(body['time']) : Number.NaN;
  return Number.isNaN(t) ? null : t;
}

function timeOf(row: Json): number {
  const t = lastUpdated(row);
  if (!t) throw new LedgerError('validation', `QuickBooks sent ${String(row['Id'] ?? 'a record')} without MetaData.LastUpdatedTime`);
  return t.getTime();
}

export class QboApi implements LedgerApi {
  readonly provider = 'quickbooks' as const;
  private readonly sdk: QboSdk;
  private readonly runner: CallRunner;
  private readonly realmId: string;
  private readonly pageSize: number;
  private readonly now: () => number;
  private prepared: Partial<Record<EntityType, EntityCursor>> = {};
  private cdc: CdcAnswer | null = null;
  private cdcRefused = false;

  constructor(params: QboApiParams) {
    this.sdk = new QboSdk({ apiBaseUrl: params.endpoints.apiBaseUrl, clientId: params.clientId, clientSecret: params.clientSecret, accessToken: params.accessToken, realmId: params.realmId });
    this.runner = params.runner;
    this.realmId = params.realmId;
    this.pageSize = params.pageSize ?? QBO_PAGE_SIZE;
    this.now = params.now ?? Date.now;
  }

  get calls(): number {
    return this.runner.calls;
  }

  private call<T = Json>(what: string, method: QboMethod, ...args: unknown[]): Promise<T> {
    return this.runner.run(
      what,
      async () => {
        const r = await this.sdk.call<T>(method, ...args);
        return { value: r.body, status: r.status, headers: headerGetter(r.headers) };
      },
      (err) => classifyQboError(err, what),
    );
  }

  async organisation(): Promise<NormOrganisation> {
    const info = await this.call('Reading the QuickBooks company', 'getCompanyInfo', this.realmId);
    const prefs = await this.call('Reading QuickBooks preferences', 'getPreferences');
    return mapQboOrganisation(info, prefs, this.realmId);
  }

  /** `SELECT * FROM Invoice WHERE Id IN ('1', '2', …) MAXRESULTS 100` (≤ 100 ids a call); deleted invoices are absent. */
  async invoicesById(externalIds: readonly string[]): Promise<NormInvoice[]> {
    const out: NormInvoice[] = [];
    for (const ids of idBatches(externalIds)) {
      // QuickBooks ids are digits; anything else cannot be one of its invoices (and must not reach the query).
      const valid = ids.filter((id) => /^\d{1,20}$/.test(id));
      if (valid.length === 0) continue;
      const body = await this.call<Json>('Reading QuickBooks invoices by id', 'findInvoices', `WHERE Id IN (${valid.map((id) => `'${id}'`).join(', ')}) MAXRESULTS ${INVOICES_BY_ID_BATCH}`);
      const qr = (body['QueryResponse'] as Json | undefined) ?? {};
      const key = Object.keys(qr).find((k) => k.toLowerCase() === 'invoice');
      for (const row of key ? (qr[key] as Json[]) : []) out.push(mapQboInvoice(row));
    }
    return out;
  }

  prepare(cursors: Partial<Record<EntityType, EntityCursor>>): void {
    this.prepared = { ...cursors };
  }

  private cdcEligible(since: number | null): since is number {
    return since !== null && !this.cdcRefused && this.now() - since < CDC_WINDOW_MS;
  }

  /** One CDC call for `entities` since `since` (inclusive). Null when QBO refuses the window. */
  private async cdcCall(entities: EntityType[], since: number): Promise<CdcAnswer | null> {
    let body: Json;
    try {
      body = await this.call('Reading QuickBooks changes (CDC)', 'changeDataCapture', entities.map((e) => QBO_ENTITY[e]).join(','), qboTime(since));
    } catch (err) {
      // 2010: changedSince older than CDC keeps (the clocks disagree about the window).
      if (err instanceof LedgerError && err.code === 'validation' && (qboFaultCode(err) === '2010' || /older than/i.test(err.message))) {
        this.cdcRefused = true;
        return null;
      }
      throw err;
    }
    const responses = ((body['CDCResponse'] as Json[] | undefined)?.[0]?.['QueryResponse'] as Json[] | undefined) ?? [];
    const rows = new Map<EntityType, Json[]>();
    for (const e of entities) {
      const name = QBO_ENTITY[e];
      const hit = responses.find((r) => Array.isArray(r[name]));
      rows.set(e, (hit?.[name] as Json[] | undefined) ?? []);
    }
    return { since, at: responseTime(body) ?? this.now(), rows };
  }

  /** The first CDC answer for an entity: the run's shared call when it covers `since`. */
  private async firstCdc(entity: EntityType, since: number): Promise<CdcAnswer | null> {
    if (!this.cdc || this.cdc.since > since || !this.cdc.rows.has(entity)) {
      const group = (Object.keys(QBO_ENTITY) as EntityType[]).filter((e) => {
        if (e === entity) return true;
        const s = this.prepared[e]?.since;
        return s !== undefined && s !== null && this.cdcEligible(s.getTime());
      });
      const groupSince = Math.min(since, ...group.map((e) => this.prepared[e]?.since?.getTime() ?? since));
      this.cdc = await this.cdcCall(group, groupSince);
      if (!this.cdc) return null;
    }
    return this.cdc;
  }

  private map(entity: EntityType, row: Json): Norm {
    switch (entity) {
      case 'contacts':
        return mapQboCustomer(row);
      case 'invoices':
        return mapQboInvoice(row);
      case 'creditNotes':
        return mapQboCreditMemo(row);
      case 'payments':
        return mapQboPayment(row);
    }
  }

  private toPage(entity: EntityType, rows: Json[], resume: number | null, highWater: number | null): SyncPage<Norm> {
    const items: Norm[] = [];
    const deletedIds: string[] = [];
    for (const row of rows) {
      if (String(row['status'] ?? '').toLowerCase() === 'deleted') deletedIds.push(String(row['Id']));
      else items.push(this.map(entity, row));
    }
    return { items, deletedIds, resume: resume === null ? undefined : { since: new Date(resume), inclusive: true }, highWater: highWater === null ? null : new Date(highWater) };
  }

  changes(entity: 'contacts', cursor: EntityCursor): AsyncIterable<SyncPage<NormContact>>;
  changes(entity: 'invoices', cursor: EntityCursor): AsyncIterable<SyncPage<NormInvoice>>;
  changes(entity: 'payments', cursor: EntityCursor): AsyncIterable<SyncPage<NormPayment>>;
  changes(entity: 'creditNotes', cursor: EntityCursor): AsyncIterable<SyncPage<NormCreditNote>>;
  changes(entity: EntityType, cursor: EntityCursor): AsyncIterable<SyncPage<Norm>>;
  async *changes(entity: EntityType, cursor: EntityCursor): AsyncIterable<SyncPage<Norm>> {
    const since = cursor.since ? Math.floor(cursor.since.getTime() / 1000) * 1000 : null;
    const inclusive = cursor.inclusive ?? true;
    if (this.cdcEligible(since)) {
      const rest = yield* this.cdcChanges(entity, since, inclusive);
      if (rest === null) return;
      yield* this.queryChanges(entity, rest, true);
      return;
    }
    yield* this.queryChanges(entity, since, inclusive);
  }

  /**
   * CDC pages; returns null when done, or the time to continue from with the query path
   * (CDC refused, or more than 1000 changes in one second).
   */
  private async *cdcChanges(entity: EntityType, start: number, inclusive: boolean): AsyncGenerator<SyncPage<Norm>, number | null> {
    let since = start;
    let first = true;
    const seen = new Map<string, number>();
    let high: number | null = null;
    for (;;) {
      const answer = first ? await this.firstCdc(entity, since) : await this.cdcCall([entity], since);
      if (answer === null) return since;
      const raw = answer.rows.get(entity) ?? [];
      const rows: Json[] = [];
      let rawMax = since;
      for (const row of raw) {
        const at = timeOf(row);
        if (at > rawMax) rawMax = at;
        if (at < since || (!inclusive && first && at === since)) continue;
        if (high === null || at > high) high = at;
        const id = String(row['Id']);
        const prev = seen.get(id);
        if (prev !== undefined && at <= prev) continue;
        seen.set(id, at);
        rows.push(row);
      }
      // A full answer may have more changes after its newest one: ask again from there.
      const next = raw.length >= CDC_MAX_PER_ENTITY ? rawMax : null;
      if (next === null) high = Math.max(high ?? 0, answer.at - COVERAGE_MARGIN_MS);
      yield this.toPage(entity, rows, next, high);
      if (next === null) return null;
      // More than CDC's 1000 changes share one second: only the query path can page that.
      if (next === since) return since;
      since = next;
      first = false;
    }
  }

  private async *queryChanges(entity: EntityType, start: number | null, inclusive: boolean): AsyncGenerator<SyncPage<Norm>> {
    const name = QBO_ENTITY[entity];
    let lastAnswer = this.now();
    const pages = keysetPages<Json>(
      { since: start, inclusive },
      {
        pageSize: this.pageSize,
        fetch: async (r) => {
          const where: string[] = [];
          if (entity === 'contacts') where.push('Active IN (true, false)');
          if (r.since !== null) where.push(`MetaData.LastUpdatedTime ${r.inclusive ? '>=' : '>'} '${qboTime(r.since)}'`);
          const q = `${where.length ? `WHERE ${where.join(' AND ')} ` : ''}ORDERBY MetaData.LastUpdatedTime STARTPOSITION ${r.page * this.pageSize + 1} MAXRESULTS ${this.pageSize}`;
          const body = await this.call<Json>(`Reading QuickBooks ${name} records`, FIND[entity], q);
          lastAnswer = responseTime(body) ?? this.now();
          const qr = (body['QueryResponse'] as Json | undefined) ?? {};
          const key = Object.keys(qr).find((k) => k.toLowerCase() === name.toLowerCase());
          return key ? (qr[key] as Json[]) : [];
        },
        key: (row) => ({ id: String(row['Id']), at: timeOf(row) }),
      },
    );
    for await (const page of pages) {
      const high = page.resume ? page.highWater : Math.max(page.highWater ?? 0, lastAnswer - COVERAGE_MARGIN_MS);
      yield this.toPage(entity, page.rows, page.resume ? page.resume.since : null, high);
    }
  }
}
