/** SbContact → Xero Contact. */
import type { SbContact } from '../../model';
import { amountOut } from '../amounts';
import { msDateTime } from '../dates';
import type { LedgerView } from '../view';
import { compact } from './common';

const PHONE_TYPES = ['DEFAULT', 'DDI', 'FAX', 'MOBILE'] as const;

export function contactOut(view: LedgerView, c: SbContact, opts: { summaryOnly: boolean }): Record<string, unknown> {
  const a = c.address;
  const out: Record<string, unknown> = compact({
    ContactID: c.id,
    ContactStatus: c.status,
    Name: c.name,
    FirstName: c.firstName ?? undefined,
    LastName: c.lastName ?? undefined,
    EmailAddress: c.email ?? '',
    ContactPersons: c.contactPersons.map((p) => ({ FirstName: p.firstName, LastName: p.lastName, EmailAddress: p.email, IncludeInEmails: p.includeInEmails })),
    BankAccountDetails: '',
    Addresses: [
      a
        ? { AddressType: 'POBOX', AddressLine1: a.line1, City: a.city, Region: a.region, PostalCode: a.postalCode, Country: a.country }
        : { AddressType: 'POBOX', AddressLine1: '', City: '', Region: '', PostalCode: '', Country: '' },
      { AddressType: 'STREET', City: '', Region: '', PostalCode: '', Country: '' },
    ],
    Phones: PHONE_TYPES.map((t) => ({ PhoneType: t, PhoneNumber: t === 'DEFAULT' ? (c.phone ?? '') : '', PhoneAreaCode: '', PhoneCountryCode: '' })),
    UpdatedDateUTC: msDateTime(c.updatedAt),
    ContactGroups: [],
    IsSupplier: false,
    IsCustomer: c.isCustomer,
    DefaultCurrency: c.currency,
    HasAttachments: false,
    HasValidationErrors: false,
  });
  if (!opts.summaryOnly) {
    const b = view.balances(c.id);
    out.Balances = {
      AccountsReceivable: { Outstanding: amountOut(b.outstanding), Overdue: amountOut(b.overdue) },
      AccountsPayable: { Outstanding: 0, Overdue: 0 },
    };
  }
  return out;
}
