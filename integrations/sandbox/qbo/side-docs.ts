/**
 * What the sandbox's QuickBooks documents kept beside the ledger (refund receipts, refund checks)
 * share: one map of them per sandbox store, amounts as QuickBooks writes them, and the fields
 * every transaction answer opens with.
 */
import { fromMinor, type Minor } from '../../../kernel/money';
import type { SandboxStore } from '../store';
import type { Json } from './mappers';

/** A map per sandbox store (a fresh store starts with none). */
export function perStore<V>(): (store: SandboxStore) => Map<string, V> {
  const byStore = new WeakMap<SandboxStore, Map<string, V>>();
  return (store) => {
    let m = byStore.get(store);
    if (!m) {
      m = new Map();
      byStore.set(store, m);
    }
    return m;
  };
}

export const qboAmount = (m: Minor) => Number(fromMinor(m));
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, '-00:00');

/** domain, Id, SyncToken, MetaData, DocNumber, TxnDate, CurrencyRef and PrivateNote (when there is one). */
export function txnHeader(d: { id: string; createdAt: number; number: string; date: string; currency: string; privateNote: string }): Json {
  return {
    domain: 'QBO',
    sparse: false,
    Id: d.id,
    SyncToken: '0',
    MetaData: { CreateTime: iso(d.createdAt), LastUpdatedTime: iso(d.createdAt) },
    DocNumber: d.number,
    TxnDate: d.date,
    CurrencyRef: { value: d.currency },
    ...(d.privateNote ? { PrivateNote: d.privateNote } : {}),
  };
}
