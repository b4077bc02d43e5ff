/** Xero Contact request elements → store inputs. */
import type { SbAddress, SbContact, SbContactPerson } from '../../model';
import { isObj, member, type Obj, Reader } from '../body';
import { isGuid } from './refs';

export interface ContactInput {
  contactId?: string;
  name?: string;
  firstName?: string | null;
  lastName?: string | null;
  email?: string | null;
  contactPersons?: SbContactPerson[];
  phone?: string | null;
  address?: SbAddress | null;
  isCustomer?: boolean;
  status?: SbContact['status'];
  currency?: string;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function blankToNull(v: string | undefined): string | null | undefined {
  return v === undefined ? undefined : v.trim() === '' ? null : v.trim();
}

export function parseContact(item: Obj, mode: 'create' | 'update'): ContactInput {
  const r = new Reader(item);
  const contactId = r.str('ContactID');
  if (contactId && !isGuid(contactId)) r.fail(`ContactID is not a valid GUID: "${contactId}"`);
  const name = r.str('Name', { max: 255, required: mode === 'create' && !contactId });
  const email = blankToNull(r.str('EmailAddress', { max: 255 }));
  if (email && !EMAIL.test(email)) r.fail('Email address must be valid.');
  const statusText = r.str('ContactStatus');
  let status: SbContact['status'] | undefined;
  if (statusText !== undefined) {
    const s = statusText.toUpperCase();
    if (s === 'ACTIVE' || s === 'ARCHIVED') status = s;
    else r.fail(`ContactStatus must be ACTIVE or ARCHIVED, got "${statusText}"`);
  }
  let contactPersons: SbContactPerson[] | undefined;
  const persons = r.array('ContactPersons');
  if (persons) {
    if (persons.length > 5) r.fail('A contact can have at most 5 contact persons');
    contactPersons = [];
    for (const p of persons) {
      if (!isObj(p)) {
        r.fail('ContactPersons entries must be objects');
        continue;
      }
      const pr = new Reader(p, r.errors);
      const pEmail = pr.str('EmailAddress', { max: 255 })?.trim() ?? '';
      if (pEmail && !EMAIL.test(pEmail)) r.fail('Email address must be valid.');
      contactPersons.push({
        firstName: pr.str('FirstName', { max: 255 })?.trim() ?? '',
        lastName: pr.str('LastName', { max: 255 })?.trim() ?? '',
        email: pEmail,
        includeInEmails: pr.bool('IncludeInEmails') ?? false,
      });
    }
  }
  let phone: string | null | undefined;
  const phones = r.array('Phones');
  if (phones) {
    const objs = phones.filter(isObj);
    const chosen = objs.find((p) => String(member(p, 'PhoneType') ?? '').toUpperCase() === 'DEFAULT' && member(p, 'PhoneNumber')) ?? objs.find((p) => member(p, 'PhoneNumber'));
    if (chosen) {
      const parts = ['PhoneCountryCode', 'PhoneAreaCode', 'PhoneNumber'].map((k) => member(chosen, k)).filter((v) => typeof v === 'string' && v.trim() !== '') as string[];
      phone = parts.map((s) => s.trim()).join(' ');
    } else phone = null;
  }
  let address: SbAddress | null | undefined;
  const addresses = r.array('Addresses');
  if (addresses) {
    const objs = addresses.filter(isObj);
    const filled = (a: Obj) => ['AddressLine1', 'City', 'PostalCode', 'Country'].some((k) => typeof member(a, k) === 'string' && (member(a, k) as string).trim() !== '');
    const byType = (t: string) => objs.find((a) => String(member(a, 'AddressType') ?? '').toUpperCase() === t && filled(a));
    const chosen = byType('POBOX') ?? byType('STREET') ?? objs.find(filled);
    if (chosen) {
      const s = (k: string) => {
        const v = member(chosen, k);
        return typeof v === 'string' ? v.trim() : '';
      };
      address = { line1: s('AddressLine1'), city: s('City'), region: s('Region'), postalCode: s('PostalCode'), country: s('Country') };
    } else address = null;
  }
  const currency = r.str('DefaultCurrency')?.toUpperCase();
  const input: ContactInput = {
    contactId: contactId ? contactId.toLowerCase() : undefined,
    name: name?.trim(),
    firstName: blankToNull(r.str('FirstName', { max: 255 })),
    lastName: blankToNull(r.str('LastName', { max: 255 })),
    email,
    contactPersons,
    phone,
    address,
    isCustomer: r.bool('IsCustomer'),
    status,
    currency: currency || undefined,
  };
  r.done();
  return input;
}
