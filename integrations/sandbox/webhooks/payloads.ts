/**
 * Webhook bodies and signatures as Xero and Intuit send them.
 *
 * Xero (xero-webhooks.yaml): `{events:[{resourceUrl, resourceId, eventDateUtc, eventType,
 * eventCategory, tenantId, tenantType}], firstEventSequence, lastEventSequence, entropy}`,
 * signed `x-xero-signature: base64(HMAC-SHA256(raw body, webhook key))`.
 *
 * QuickBooks (specs/quickbooks/webhooks/): the legacy `{eventNotifications:[{realmId,
 * dataChangeEvent:{entities:[{name, id, operation, lastUpdated}]}}]}` or a CloudEvents array
 * (`application/cloudevents+json`), signed `intuit-signature: base64(HMAC-SHA256(raw body,
 * verifier token))`.
 */
import { createHash, createHmac, randomUUID } from 'node:crypto';
import type { SbChange, SbCreditNote, SbEntity } from '../model';

export function signBody(body: string, key: string): string {
  return createHmac('sha256', key).update(body, 'utf8').digest('base64');
}

/** Xero's event timestamp: UTC without a zone designator, milliseconds ("2024-06-21T01:15:39.902"). */
export function xeroEventDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 23);
}

const XERO_CATEGORY: Partial<Record<SbEntity, { category: 'CONTACT' | 'INVOICE' | 'CREDITNOTE'; resource: string }>> = {
  contact: { category: 'CONTACT', resource: 'Contacts' },
  invoice: { category: 'INVOICE', resource: 'Invoices' },
  creditNote: { category: 'CREDITNOTE', resource: 'CreditNotes' },
  // Xero has no payment webhooks: a payment shows up as an UPDATE of the invoice it pays.
};

export interface XeroEvent {
  resourceUrl: string;
  resourceId: string;
  eventDateUtc: string;
  eventType: 'CREATE' | 'UPDATE';
  eventCategory: 'CONTACT' | 'INVOICE' | 'CREDITNOTE';
  tenantId: string;
  tenantType: 'ORGANISATION';
  data?: { Type: 'ACCRECCREDIT'; Status: SbCreditNote['status'] };
}

export interface XeroPayload {
  events: XeroEvent[];
  firstEventSequence: number;
  lastEventSequence: number;
  entropy: string;
}

/** Random upper-case letters, as in Xero's `entropy`. */
export function entropy(length = 20): string {
  const bytes = createHash('sha256').update(randomUUID()).digest();
  let out = '';
  for (let i = 0; i < length; i++) out += String.fromCharCode(65 + (bytes[i % bytes.length]! % 26));
  return out;
}

/** Xero events for the changes it has a category for (duplicates in one batch collapse to the latest). */
export function xeroEvents(changes: SbChange[], apiBase: string, creditNoteStatus: (id: string) => SbCreditNote['status'] | null): XeroEvent[] {
  const byKey = new Map<string, XeroEvent>();
  for (const ch of changes) {
    const cat = XERO_CATEGORY[ch.entity];
    if (!cat) continue;
    const eventType = ch.operation === 'Create' ? 'CREATE' : 'UPDATE';
    const event: XeroEvent = {
      resourceUrl: `${apiBase}/${cat.resource}/${ch.id}`,
      resourceId: ch.id,
      eventDateUtc: xeroEventDate(ch.at),
      eventType,
      eventCategory: cat.category,
      tenantId: ch.companyId,
      tenantType: 'ORGANISATION',
    };
    if (cat.category === 'CREDITNOTE') {
      const status = creditNoteStatus(ch.id);
      if (status) event.data = { Type: 'ACCRECCREDIT', Status: status };
    }
    const key = `${ch.companyId}:${ch.entity}:${ch.id}:${eventType}`;
    byKey.delete(key);
    byKey.set(key, event);
  }
  return [...byKey.values()];
}

const QBO_NAME: Record<SbEntity, 'Customer' | 'Invoice' | 'Payment' | 'CreditMemo'> = {
  contact: 'Customer',
  invoice: 'Invoice',
  payment: 'Payment',
  creditNote: 'CreditMemo',
};

export interface QboEntityEvent {
  realmId: string;
  name: 'Customer' | 'Invoice' | 'Payment' | 'CreditMemo';
  id: string;
  operation: SbChange['operation'];
  lastUpdated: string;
}

/** QuickBooks entity events (duplicates in one batch collapse to the latest). */
export function qboEntityEvents(changes: SbChange[]): QboEntityEvent[] {
  const byKey = new Map<string, QboEntityEvent>();
  for (const ch of changes) {
    const e: QboEntityEvent = { realmId: ch.companyId, name: QBO_NAME[ch.entity], id: ch.id, operation: ch.operation, lastUpdated: new Date(ch.at).toISOString() };
    const key = `${e.realmId}:${e.name}:${e.id}:${e.operation}`;
    byKey.delete(key);
    byKey.set(key, e);
  }
  return [...byKey.values()];
}

export function qboLegacyPayload(events: QboEntityEvent[]): { eventNotifications: { realmId: string; dataChangeEvent: { entities: Omit<QboEntityEvent, 'realmId'>[] } }[] } {
  const byRealm = new Map<string, Omit<QboEntityEvent, 'realmId'>[]>();
  for (const { realmId, ...entity } of events) {
    const list = byRealm.get(realmId);
    if (list) list.push(entity);
    else byRealm.set(realmId, [entity]);
  }
  return { eventNotifications: [...byRealm].map(([realmId, entities]) => ({ realmId, dataChangeEvent: { entities } })) };
}

const VERB: Record<SbChange['operation'], string> = { Create: 'created', Update: 'updated', Delete: 'deleted', Void: 'voided' };

export interface QboCloudEvent {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  datacontenttype: 'application/json';
  time: string;
  intuitentityid: string;
  intuitaccountid: string;
  data: Record<string, never>;
}

export function qboCloudEvents(events: QboEntityEvent[], source: string): QboCloudEvent[] {
  return events.map((e) => ({
    specversion: '1.0',
    id: randomUUID(),
    source,
    type: `qbo.${e.name.toLowerCase()}.${VERB[e.operation]}.v1`,
    datacontenttype: 'application/json',
    time: e.lastUpdated,
    intuitentityid: e.id,
    intuitaccountid: e.realmId,
    data: {},
  }));
}

/** The CloudEvents `source` Intuit uses: "intuit." + an app-specific base64 id. */
export function intuitSource(appKey: string): string {
  return `intuit.${createHash('sha256').update(appKey).digest('base64')}`;
}
