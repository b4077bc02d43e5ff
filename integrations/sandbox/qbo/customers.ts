/**
 * Customer: read, create, sparse/full update. QBO never deletes customers: `Active:false`
 * makes one inactive (and queries then skip it unless they filter on Active).
 */
import type { Router } from 'express';
import type { SandboxContext } from '../context';
import type { SbAddress, SbContact } from '../model';
import { faults } from './faults';
import { write, locals, queryString, reply } from './http';
import { body, idAndSyncToken, checkSyncToken, isObject, optBoolean, optString, optWrapped } from './input';
import { type Json, toQboCustomer } from './mappers';
import type { QboView } from './view';

type ContactPatch = Partial<Pick<SbContact, 'name' | 'firstName' | 'lastName' | 'email' | 'phone' | 'address' | 'status'>>;

function address(v: unknown): SbAddress | null | undefined {
  if (v === undefined) return undefined;
  if (v === null) return null;
  if (!isObject(v)) throw faults.invalidProperty('BillAddr', 'expected an address object');
  const s = (k: string) => optString(v, k, `BillAddr.${k}`) ?? '';
  const a: SbAddress = { line1: s('Line1'), city: s('City'), region: s('CountrySubDivisionCode'), postalCode: s('PostalCode'), country: s('Country') };
  return Object.values(a).some(Boolean) ? a : null;
}

function nullable(v: string | undefined | null): string | null | undefined {
  if (v === undefined) return undefined;
  return v === null || v === '' ? null : v;
}

/** The fields a request sets; `full` (sparse:false) clears what it leaves out, as QBO does. */
function patchFrom(b: Json, full: boolean): ContactPatch {
  const patch: ContactPatch = {};
  const given = nullable(optString(b, 'GivenName'));
  const family = nullable(optString(b, 'FamilyName'));
  const display = optString(b, 'DisplayName');
  const company = optString(b, 'CompanyName');
  const email = optWrapped(b, 'PrimaryEmailAddr', 'Address');
  const phone = optWrapped(b, 'PrimaryPhone', 'FreeFormNumber');
  const addr = address(b['BillAddr']);
  const active = optBoolean(b, 'Active');
  if (email !== undefined && email !== null && !/^[^\s@]+@[^\s@]+$/.test(email)) throw faults.invalidProperty('PrimaryEmailAddr.Address', `"${email}" is not an email address`);
  if (display !== undefined) {
    if (!display.trim()) throw faults.requiredParam('DisplayName');
    patch.name = display.trim();
  }
  if (given !== undefined || full) patch.firstName = given ?? null;
  if (family !== undefined || full) patch.lastName = family ?? null;
  if (email !== undefined || full) patch.email = email ?? null;
  if (phone !== undefined || full) patch.phone = phone ?? null;
  if (addr !== undefined || full) patch.address = addr ?? null;
  if (active !== undefined) patch.status = active ? 'ACTIVE' : 'ARCHIVED';
  if (patch.name === undefined && display === undefined && full) {
    const derived = [given, family].filter(Boolean).join(' ') || company?.trim();
    if (derived) patch.name = derived;
  }
  return patch;
}

function ensureUniqueName(view: QboView, name: string, exceptId?: string): void {
  const lower = name.toLowerCase();
  if (view.customers().some((c) => c.id !== exceptId && c.deletedAt === null && c.name.toLowerCase() === lower)) throw faults.duplicateName(name);
}

function createCustomer(view: QboView, b: Json) {
  const patch = patchFrom(b, false);
  const name = patch.name ?? ([patch.firstName, patch.lastName].filter(Boolean).join(' ') || optString(b, 'CompanyName')?.trim());
  if (!name) throw faults.requiredParam('DisplayName');
  ensureUniqueName(view, name);
  const currency = isObject(b['CurrencyRef']) ? String(b['CurrencyRef']['value'] ?? '') : view.company.baseCurrency;
  if (currency !== view.company.baseCurrency && !(currency in view.company.rates)) throw faults.invalidReference('CurrencyRef', `Currency ${currency} is not enabled in this company`);
  const c = view.store.createContact(view.realmId, { ...patch, name, currency, isCustomer: true });
  return { body: { Customer: toQboCustomer(view, c) }, summary: `Customer ${c.id} "${c.name}" created` };
}

function updateCustomer(view: QboView, b: Json) {
  const { id, syncToken } = idAndSyncToken(b);
  const c = view.customer(id);
  if (!c || c.deletedAt !== null) throw faults.objectNotFound(`Customer ${id}`);
  checkSyncToken(c.syncToken, syncToken);
  const full = b['sparse'] !== true && b['sparse'] !== 'true';
  const patch = patchFrom(b, full);
  if (isObject(b['CurrencyRef']) && String(b['CurrencyRef']['value']) !== c.currency) throw faults.business('The currency of a customer cannot be changed');
  if (patch.name !== undefined && patch.name !== c.name) ensureUniqueName(view, patch.name, c.id);
  const updated = view.store.updateContact(view.realmId, id, patch, syncToken);
  return { body: { Customer: toQboCustomer(view, updated) }, summary: `Customer ${id} updated (${Object.keys(patch).join(', ') || 'no changes'})` };
}

export function customerRoutes(router: Router, ctx: SandboxContext): void {
  router.get('/customer/:id', (req, res) => {
    const { view } = locals(res);
    const c = view.customer(String(req.params['id']));
    if (!c) throw faults.objectNotFound(`Customer ${String(req.params['id'])}`);
    reply(res, { Customer: toQboCustomer(view, c) });
  });

  router.post(
    '/customer',
    write(ctx, (req, view) => {
      const b = body(req.body);
      const operation = queryString(req, 'operation');
      if (operation === 'delete') throw faults.unsupported('delete on Customer (make it inactive with Active:false)');
      if (operation !== undefined && operation !== 'update' && operation !== 'create') throw faults.unsupported(`${operation} on Customer`);
      return operation === 'update' || b['Id'] !== undefined ? updateCustomer(view, b) : createCustomer(view, b);
    }),
  );
}
