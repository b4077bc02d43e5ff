/**
 * Builds the ledger writer for a connection, by provider (like createLedgerNotes): Xero through
 * xero-node, QuickBooks through node-quickbooks, both pointed at the endpoints from config (the
 * sandbox ledger or the real hosts — one code path). See writes.ts for the interface.
 */
import { QboWrites } from '../quickbooks/writes';
import { XeroWrites } from '../xero/writes';
import type { CreateLedgerWrites } from './writes';

export const createLedgerWrites: CreateLedgerWrites = (factory, provider, params) => {
  const endpoints = factory.endpoints(provider);
  switch (provider) {
    case 'xero':
      return new XeroWrites({ apiBaseUrl: endpoints.apiBaseUrl, ...params });
    case 'quickbooks':
      return new QboWrites({ apiBaseUrl: endpoints.apiBaseUrl, ...params });
    default: {
      const never: never = provider;
      throw new Error(`unknown provider ${String(never)}`);
    }
  }
};
