/** Helpers shared by the Sb* → Xero JSON mappers. */
import type { SbContact, SbLine } from '../../model';
import { amountOut, decimalOut } from '../amounts';
import { stableUuid } from '../view';

/** Drop undefined and null members: Xero's spec types fields without `nullable`. */
export function compact<T extends Record<string, unknown>>(obj: T): T {
  for (const k of Object.keys(obj)) if (obj[k] === undefined || obj[k] === null) delete obj[k];
  return obj;
}

/** The short contact Xero embeds in invoices, credit notes and payments. */
export function contactRef(contactId: string, contact: SbContact | undefined): Record<string, unknown> {
  return {
    ContactID: contactId,
    Name: contact?.name ?? '',
    Addresses: [],
    Phones: [],
    ContactGroups: [],
    ContactPersons: [],
    HasValidationErrors: false,
  };
}

export function lineItemOut(companyId: string, line: SbLine): Record<string, unknown> {
  return compact({
    LineItemID: line.id,
    Description: line.description,
    Quantity: decimalOut(line.quantity),
    UnitAmount: amountOut(line.unitAmount),
    ItemCode: line.itemCode ?? undefined,
    AccountCode: line.accountCode,
    TaxType: line.taxType ?? undefined,
    TaxAmount: amountOut(line.taxAmount),
    LineAmount: amountOut(line.lineAmount),
    Tracking: line.tracking.map((t) => ({
      TrackingCategoryID: stableUuid(companyId, 'tracking', t.name),
      TrackingOptionID: stableUuid(companyId, 'tracking', t.name, t.option),
      Name: t.name,
      Option: t.option,
    })),
  });
}
