/**
 * Change data capture: `GET /cdc?entities=Invoice,Customer&changedSince=ISO`.
 *
 * - One QueryResponse per requested entity, in the order asked; `{}` when nothing changed.
 * - Changed = LastUpdatedTime at or after changedSince; deleted transactions (store.deletions)
 *   appear as `{Id, status:"Deleted", domain:"QBO", MetaData:{LastUpdatedTime}}`. Customers
 *   are never deleted in QBO: a deleted sandbox contact appears as an inactive Customer.
 * - changedSince more than 30 days back is refused (QBO's limit); at most 1000 objects per
 *   entity, oldest change first (QBO caps CDC at 1000 and has no paging: narrow the window).
 */
import type { SbEntity } from '../model';
import { faults } from './faults';
import { type Json, toQboCreditMemo, toQboCustomer, toQboDeleted, toQboInvoice, toQboPayment } from './mappers';
import { parseQboDateTime } from './time';
import type { QboView } from './view';

export const CDC_MAX_PER_ENTITY = 1000;
export const CDC_MAX_AGE_MS = 30 * 86_400_000;

type CdcEntity = 'Customer' | 'Invoice' | 'Payment' | 'CreditMemo';

const SB_ENTITY: Record<CdcEntity, SbEntity> = { Customer: 'contact', Invoice: 'invoice', Payment: 'payment', CreditMemo: 'creditNote' };

function changed(view: QboView, entity: CdcEntity, since: number): { at: number; json: Json }[] {
  switch (entity) {
    case 'Customer':
      return view
        .customers()
        .filter((c) => c.updatedAt >= since)
        .map((c) => ({ at: c.updatedAt, json: toQboCustomer(view, c) }));
    case 'Invoice':
      return view
        .invoices()
        .filter((i) => i.updatedAt >= since)
        .map((i) => ({ at: i.updatedAt, json: toQboInvoice(view, i) }));
    case 'Payment':
      return view
        .payments()
        .filter((p) => p.updatedAt >= since)
        .map((p) => ({ at: p.updatedAt, json: toQboPayment(view, p) }));
    case 'CreditMemo':
      return view
        .creditMemos()
        .filter((c) => c.updatedAt >= since)
        .map((c) => ({ at: c.updatedAt, json: toQboCreditMemo(view, c) }));
  }
}

function deleted(view: QboView, entity: CdcEntity, since: number): { at: number; json: Json }[] {
  if (entity === 'Customer') return [];
  const sb = SB_ENTITY[entity];
  const latest = new Map<string, number>();
  for (const d of view.store.deletions) {
    if (d.companyId !== view.realmId || d.entity !== sb || d.at < since) continue;
    latest.set(d.id, Math.max(latest.get(d.id) ?? 0, d.at));
  }
  return [...latest].map(([id, at]) => ({ at, json: toQboDeleted(view, id, at) }));
}

export function runCdc(view: QboView, entitiesParam: unknown, changedSinceParam: unknown): { CDCResponse: Json[] } {
  if (typeof entitiesParam !== 'string' || !entitiesParam.trim()) throw faults.requiredParam('entities');
  if (typeof changedSinceParam !== 'string' || !changedSinceParam.trim()) throw faults.requiredParam('changedSince');
  const since = parseQboDateTime(changedSinceParam, view.timeZone);
  if (since === null) throw faults.invalidProperty('changedSince', `"${changedSinceParam}" is not a date-time such as 2024-01-02T10:11:12-08:00`);
  if (since < view.store.clock.peek() - CDC_MAX_AGE_MS) {
    throw faults.invalidProperty('changedSince', `Operation cdc with changedSince date ${changedSinceParam} which is older than fixed days is not supported. (30 days)`);
  }
  const names = entitiesParam.split(',').map((s) => s.trim()).filter(Boolean);
  const entities = names.map((n): CdcEntity => {
    const hit = (Object.keys(SB_ENTITY) as CdcEntity[]).find((k) => k.toLowerCase() === n.toLowerCase());
    if (!hit) throw faults.invalidProperty('entities', `the sandbox's CDC serves Customer, Invoice, Payment and CreditMemo, not ${n}`);
    return hit;
  });
  const responses = entities.map((entity) => {
    const all = [...changed(view, entity, since), ...deleted(view, entity, since)].sort((a, b) => a.at - b.at).slice(0, CDC_MAX_PER_ENTITY);
    return all.length ? { [entity]: all.map((x) => x.json), startPosition: 1, maxResults: all.length } : {};
  });
  return { CDCResponse: [{ QueryResponse: responses }] };
}
