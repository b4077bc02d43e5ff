/** GET/PUT/POST /Invoices and /Invoices/{InvoiceID}. */
import type { Router } from 'express';
import { fromMinor } from '../../../../kernel/money';
import type { SbInvoice } from '../../model';
import type { NewLine, SandboxStore } from '../../store';
import { itemsOf } from '../body';
import { invoiceFields } from '../fields';
import { handle, runBatch, type XeroCall } from '../handler';
import { notFound, ok, XeroHttpError, XeroValidationError } from '../http';
import { queryBool, queryList, queryParam, readListParams, runList } from '../list';
import { invoiceOut } from '../map/invoice';
import { type InvoiceInput, parseInvoice } from '../parse/invoice';
import { findInvoice, resolveContact } from '../parse/refs';

export function invoiceOr404(call: XeroCall, idOrNumber: string): SbInvoice {
  const inv = findInvoice(call.view, idOrNumber);
  if (!inv) throw new XeroHttpError(notFound());
  return inv;
}

function numberTaken(store: SandboxStore, companyId: string, number: string, selfId: string | null): boolean {
  return store.list('invoices', companyId).some((i) => i.id !== selfId && i.status !== 'DELETED' && i.number.toLowerCase() === number.toLowerCase());
}

function createInvoice(call: XeroCall, input: InvoiceInput): SbInvoice {
  const { store } = call.ctx;
  const { company, view } = call;
  if (input.invoiceId && view.invoice(input.invoiceId)) throw new XeroValidationError([`Invoice ${input.invoiceId} already exists; use POST to update it`]);
  if (input.number && numberTaken(store, company.id, input.number, null)) throw new XeroValidationError(['Invoice # must be unique.']);
  const contact = resolveContact(store, view, input.contact, 'invoice');
  return store.createInvoice(company.id, {
    contactId: contact.id,
    issueDate: input.issueDate ?? view.today(),
    dueDate: input.dueDate ?? null,
    lines: input.lines ?? [],
    number: input.number,
    reference: input.reference,
    currency: input.currency,
    currencyRate: input.currencyRate,
    status: (input.status as 'DRAFT' | 'SUBMITTED' | 'AUTHORISED' | undefined) ?? 'DRAFT',
    lineAmountTypes: input.lineAmountTypes,
    url: input.url || null,
  });
}

function updateInvoice(call: XeroCall, inv: SbInvoice, input: InvoiceInput): SbInvoice {
  const problems: string[] = [];
  if (input.contact?.id && input.contact.id.toLowerCase() !== inv.contactId) problems.push('Changing the Contact of an existing invoice is not supported by the sandbox ledger');
  if (input.currency && input.currency !== inv.currency) problems.push('The CurrencyCode of an existing invoice cannot be changed');
  if (input.number && input.number !== inv.number) problems.push('Changing the InvoiceNumber of an existing invoice is not supported by the sandbox ledger');
  if (input.lineAmountTypes && input.lineAmountTypes !== inv.lineAmountTypes) problems.push('Changing LineAmountTypes of an existing invoice is not supported by the sandbox ledger');
  if (input.status === 'DELETED' && inv.status !== 'DRAFT' && inv.status !== 'SUBMITTED' && inv.status !== 'DELETED') {
    problems.push(`An invoice that is ${inv.status} cannot be deleted; void it instead (Status VOIDED)`);
  }
  if (problems.length > 0) throw new XeroValidationError(problems);
  // Only what differs: an SDK that round-trips a fetched invoice sends every field back.
  const patch: Parameters<SandboxStore['updateInvoice']>[2] = {};
  if (input.issueDate !== undefined && input.issueDate !== inv.issueDate) patch.issueDate = input.issueDate;
  if (input.dueDate !== undefined && input.dueDate !== inv.dueDate) patch.dueDate = input.dueDate;
  if (input.reference !== undefined && input.reference !== inv.reference) patch.reference = input.reference;
  if (input.url !== undefined && (input.url || null) !== inv.url) patch.url = input.url || null;
  if (input.sentToContact !== undefined && input.sentToContact !== inv.sentToContact) patch.sentToContact = input.sentToContact;
  if (input.lines !== undefined && !sameLines(inv, input.lines)) patch.lines = input.lines;
  if (input.status !== undefined && input.status !== inv.status) patch.status = input.status;
  if (Object.keys(patch).length === 0) return inv;
  return call.ctx.store.updateInvoice(call.company.id, inv.id, patch);
}

/** Whether submitted lines are the invoice's current lines (the store gives new lines new ids). */
function sameLines(inv: SbInvoice, lines: NewLine[]): boolean {
  if (lines.length !== inv.lines.length) return false;
  return lines.every((l, i) => {
    const c = inv.lines[i]!;
    return (
      l.description === c.description &&
      (l.quantity ?? '1') === c.quantity &&
      l.unitAmount === c.unitAmount &&
      (l.taxAmount ?? 0) === c.taxAmount &&
      (l.accountCode ?? '200') === c.accountCode &&
      (l.itemCode ?? null) === c.itemCode &&
      JSON.stringify(l.tracking ?? []) === JSON.stringify(c.tracking)
    );
  });
}

const render = (call: XeroCall) => (inv: SbInvoice) => invoiceOut(call.view, inv, { lineItems: true, summaryOnly: false });

function describe(verb: string) {
  return (invs: SbInvoice[]) =>
    invs.length === 1 ? `${verb} invoice ${invs[0]!.number} (${invs[0]!.status}, ${invs[0]!.currency} ${fromMinor(invs[0]!.total)})` : `${verb} ${invs.length} invoices`;
}

export function invoiceRoutes(router: Router): void {
  router.get(
    '/Invoices',
    handle((call) => {
      const { req, view } = call;
      const params = readListParams(req);
      const ids = queryList(req, 'IDs');
      const idSet = ids ? new Set(ids.map((i) => i.toLowerCase())) : null;
      const numbers = queryList(req, 'InvoiceNumbers');
      const numberSet = numbers ? new Set(numbers) : null;
      const contactIds = queryList(req, 'ContactIDs');
      const contactSet = contactIds ? new Set(contactIds.map((i) => i.toLowerCase())) : null;
      const statuses = queryList(req, 'Statuses');
      const statusSet = statuses ? new Set(statuses.map((s) => s.toUpperCase())) : null;
      const term = queryParam(req, 'searchTerm')?.trim().toLowerCase();
      const summaryOnly = queryBool(req, 'summaryOnly');
      const items = call.ctx.store.list('invoices', call.company.id).filter(
        (i) =>
          (!idSet || idSet.has(i.id)) &&
          (!numberSet || numberSet.has(i.number)) &&
          (!contactSet || contactSet.has(i.contactId)) &&
          (!statusSet || statusSet.has(i.status)) &&
          (!term || i.number.toLowerCase().includes(term) || i.reference.toLowerCase().includes(term)),
      );
      const { items: page, pagination } = runList(items, params, { typeName: 'Invoice', fields: invoiceFields(view), updatedAt: (i) => i.updatedAt });
      // Xero returns line items on paged lists and on lists asked for by id or number.
      const lineItems = params.paged || idSet !== null || numberSet !== null;
      return ok(view.now, { pagination, Invoices: page.map((i) => invoiceOut(view, i, { lineItems, summaryOnly })) });
    }),
  );

  router.get(
    '/Invoices/:InvoiceID',
    handle((call) => {
      const inv = invoiceOr404(call, String(call.req.params.InvoiceID));
      return ok(call.view.now, { Invoices: [render(call)(inv)] });
    }),
  );

  router.put(
    '/Invoices',
    handle((call) =>
      runBatch(call, itemsOf(call.req.body, 'Invoices', 'Invoice'), {
        key: 'Invoices',
        parse: (item) => parseInvoice(item, call.company, 'create'),
        apply: (input) => createInvoice(call, input),
        render: render(call),
        describe: describe('Created'),
      }),
    ),
  );

  router.post(
    '/Invoices',
    handle((call) =>
      runBatch(call, itemsOf(call.req.body, 'Invoices', 'Invoice'), {
        key: 'Invoices',
        parse: (item) => {
          const probe = parseInvoice(item, call.company, 'update');
          const existing = probe.invoiceId ? call.view.invoice(probe.invoiceId) : probe.number ? findInvoice(call.view, probe.number) : undefined;
          if (probe.invoiceId && !existing) throw new XeroValidationError([`Invoice ${probe.invoiceId} could not be found`], item);
          return existing ? { existing, input: probe } : { existing: undefined, input: parseInvoice(item, call.company, 'create') };
        },
        apply: ({ existing, input }) => (existing ? updateInvoice(call, existing, input) : createInvoice(call, input)),
        render: render(call),
        describe: describe('Saved'),
      }),
    ),
  );

  router.post(
    '/Invoices/:InvoiceID',
    handle((call) => {
      const inv = invoiceOr404(call, String(call.req.params.InvoiceID));
      const items = itemsOf(call.req.body, 'Invoices', 'Invoice');
      if (items.length > 1) throw new XeroValidationError(['Send one invoice to POST /Invoices/{InvoiceID}']);
      return runBatch(call, items, {
        key: 'Invoices',
        parse: (item) => {
          const input = parseInvoice(item, call.company, 'update');
          if (input.invoiceId && input.invoiceId !== inv.id) throw new XeroValidationError(['The InvoiceID in the body does not match the one in the URL'], item);
          return input;
        },
        apply: (input) => updateInvoice(call, inv, input),
        render: render(call),
        describe: (invs) => `Updated invoice ${invs[0]?.number ?? inv.number}${changedFields(items[0]!)}`,
      });
    }),
  );
}

function changedFields(item: Record<string, unknown>): string {
  const keys = Object.keys(item).filter((k) => !['InvoiceID', 'Type', 'Contact'].includes(k));
  return keys.length > 0 ? ` (${keys.join(', ')})` : '';
}
