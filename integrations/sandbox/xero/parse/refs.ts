/** Resolving the documents a request body refers to (Contact, Invoice) inside one organisation. */
import type { SbContact, SbInvoice } from '../../model';
import type { SandboxStore } from '../../store';
import type { Reader } from '../body';
import { XeroValidationError } from '../http';
import type { LedgerView } from '../view';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isGuid(v: string): boolean {
  return GUID.test(v);
}

export interface ContactRef {
  id?: string;
  name?: string;
}

export function readContactRef(r: Reader): ContactRef | undefined {
  const c = r.obj_('Contact');
  if (!c) return undefined;
  const id = c.str('ContactID');
  const name = c.str('Name', { max: 255 });
  if (id !== undefined && !isGuid(id)) r.fail(`Contact.ContactID is not a valid GUID: "${id}"`);
  return { id: id || undefined, name: name?.trim() || undefined };
}

/** An existing contact by id, or by name (creating it, as Xero does for an unknown name). */
export function resolveContact(store: SandboxStore, view: LedgerView, ref: ContactRef | undefined, kind: string): SbContact {
  if (!ref || (!ref.id && !ref.name)) throw new XeroValidationError([`A Contact must be specified for this type of transaction (${kind})`]);
  let contact: SbContact | undefined;
  if (ref.id) {
    contact = view.contact(ref.id.toLowerCase());
    if (!contact || contact.deletedAt !== null) throw new XeroValidationError([`The contact with ContactID ${ref.id} could not be found`]);
  } else {
    const wanted = ref.name!.toLowerCase();
    contact = store.list('contacts', view.company.id).find((c) => c.deletedAt === null && c.name.trim().toLowerCase() === wanted);
    if (!contact) return store.createContact(view.company.id, { name: ref.name! });
  }
  if (contact.status === 'ARCHIVED') throw new XeroValidationError([`The contact "${contact.name}" is archived and cannot be used on a new ${kind}`]);
  return contact;
}

export interface InvoiceRef {
  id?: string;
  number?: string;
}

export function readInvoiceRef(r: Reader, required: boolean): InvoiceRef | undefined {
  const i = r.obj_('Invoice');
  if (!i) {
    if (required) r.fail('An Invoice (InvoiceID or InvoiceNumber) must be specified');
    return undefined;
  }
  const id = i.str('InvoiceID');
  const number = i.str('InvoiceNumber');
  if (id !== undefined && !isGuid(id)) r.fail(`Invoice.InvoiceID is not a valid GUID: "${id}"`);
  if (!id && !number) r.fail('An Invoice (InvoiceID or InvoiceNumber) must be specified');
  return { id: id || undefined, number: number || undefined };
}

/** An invoice by id or number (the path parameter of /Invoices/{InvoiceID} may be either). */
export function findInvoice(view: LedgerView, idOrNumber: string): SbInvoice | undefined {
  if (isGuid(idOrNumber)) return view.invoice(idOrNumber.toLowerCase());
  return view.store.list('invoices', view.company.id).find((i) => i.number === idOrNumber);
}

export function resolveInvoice(view: LedgerView, ref: InvoiceRef): SbInvoice {
  const inv = ref.id ? view.invoice(ref.id.toLowerCase()) : findInvoice(view, ref.number!);
  if (!inv) throw new XeroValidationError([`Invoice ${ref.id ?? ref.number} could not be found`]);
  return inv;
}
