/** GET/PUT /CreditNotes, /CreditNotes/{CreditNoteID} and its Allocations. */
import type { Router } from 'express';
import { fromMinor } from '../../../../kernel/money';
import type { SbAllocation, SbCreditNote } from '../../model';
import { itemsOf, member } from '../body';
import { creditNoteFields } from '../fields';
import { handle, runBatch, type XeroCall } from '../handler';
import { notFound, ok, XeroHttpError, XeroValidationError } from '../http';
import { readListParams, runList } from '../list';
import { allocationOut, creditNoteOut } from '../map/credit-note';
import { type CreditNoteInput, parseAllocation, parseCreditNote } from '../parse/credit-note';
import { isGuid, resolveContact, resolveInvoice } from '../parse/refs';

function creditNoteOr404(call: XeroCall, idOrNumber: string): SbCreditNote {
  const cn = isGuid(idOrNumber)
    ? call.view.creditNote(idOrNumber.toLowerCase())
    : call.ctx.store.list('creditNotes', call.company.id).find((c) => c.number === idOrNumber);
  if (!cn) throw new XeroHttpError(notFound());
  return cn;
}

function createCreditNote(call: XeroCall, input: CreditNoteInput): SbCreditNote {
  const { store } = call.ctx;
  if (input.number && store.list('creditNotes', call.company.id).some((c) => c.number.toLowerCase() === input.number!.toLowerCase())) {
    throw new XeroValidationError(['Credit Note # must be unique.']);
  }
  const contact = resolveContact(store, call.view, input.contact, 'credit note');
  return store.createCreditNote(call.company.id, {
    contactId: contact.id,
    date: input.date ?? call.view.today(),
    lines: input.lines,
    number: input.number,
    reference: input.reference,
    currency: input.currency,
    status: input.status ?? 'DRAFT',
    lineAmountTypes: input.lineAmountTypes,
  });
}

const render = (call: XeroCall) => (cn: SbCreditNote) => creditNoteOut(call.view, cn, { lineItems: true });

export function creditNoteRoutes(router: Router): void {
  router.get(
    '/CreditNotes',
    handle((call) => {
      const params = readListParams(call.req);
      const items = call.ctx.store.list('creditNotes', call.company.id);
      const { items: page, pagination } = runList(items, params, { typeName: 'CreditNote', fields: creditNoteFields(call.view), updatedAt: (c) => c.updatedAt });
      return ok(call.view.now, { pagination, CreditNotes: page.map((cn) => creditNoteOut(call.view, cn, { lineItems: params.paged })) });
    }),
  );

  router.get(
    '/CreditNotes/:CreditNoteID',
    handle((call) => ok(call.view.now, { CreditNotes: [render(call)(creditNoteOr404(call, String(call.req.params.CreditNoteID)))] })),
  );

  router.put(
    '/CreditNotes',
    handle((call) =>
      runBatch(call, itemsOf(call.req.body, 'CreditNotes', 'CreditNote'), {
        key: 'CreditNotes',
        parse: (item) => parseCreditNote(item, call.company),
        apply: (input) => createCreditNote(call, input),
        render: render(call),
        describe: (cns) => (cns.length === 1 ? `Created credit note ${cns[0]!.number} (${cns[0]!.status}, ${cns[0]!.currency} ${fromMinor(cns[0]!.total)})` : `Created ${cns.length} credit notes`),
      }),
    ),
  );

  // Only voiding is supported on an existing credit note.
  router.post(
    '/CreditNotes/:CreditNoteID',
    handle((call) => {
      const cn = creditNoteOr404(call, String(call.req.params.CreditNoteID));
      return runBatch(call, itemsOf(call.req.body, 'CreditNotes', 'CreditNote').slice(0, 1), {
        key: 'CreditNotes',
        parse: (item) => {
          const status = member(item, 'Status');
          if (typeof status !== 'string' || status.toUpperCase() !== 'VOIDED') {
            throw new XeroValidationError(['The sandbox ledger can only void an existing credit note (Status VOIDED)'], item);
          }
          return 'VOIDED' as const;
        },
        apply: () => call.ctx.store.voidCreditNote(call.company.id, cn.id),
        render: render(call),
        describe: () => `Voided credit note ${cn.number}`,
      });
    }),
  );

  // Xero answers the deleted allocation itself (schema Allocation), with IsDeleted true.
  router.delete(
    '/CreditNotes/:CreditNoteID/Allocations/:AllocationID',
    handle((call) => {
      const cn = creditNoteOr404(call, String(call.req.params.CreditNoteID));
      const allocationId = String(call.req.params.AllocationID).toLowerCase();
      if (!cn.allocations.some((a) => a.id === allocationId)) throw new XeroHttpError(notFound());
      const removed = call.ctx.store.deleteAllocation(call.company.id, cn.id, allocationId);
      call.view.invalidate();
      const inv = call.view.invoice(removed.invoiceId);
      return {
        status: 200,
        body: { ...allocationOut(call.view, cn, removed, true), IsDeleted: true },
        summary: `Deleted the allocation of ${cn.currency} ${fromMinor(removed.amount)} from credit note ${cn.number} to invoice ${inv?.number ?? '?'}`,
      };
    }),
  );

  router.put(
    '/CreditNotes/:CreditNoteID/Allocations',
    handle((call) => {
      const cn = creditNoteOr404(call, String(call.req.params.CreditNoteID));
      return runBatch<ReturnType<typeof parseAllocation>, SbAllocation>(call, itemsOf(call.req.body, 'Allocations', 'Allocation'), {
        key: 'Allocations',
        parse: parseAllocation,
        apply: (input) => {
          const inv = resolveInvoice(call.view, input.invoice);
          return call.ctx.store.allocateCredit(call.company.id, cn.id, inv.id, input.amount, input.date ?? call.view.today());
        },
        render: (a) => allocationOut(call.view, cn, a, true),
        describe: (as) =>
          as.length === 1
            ? `Allocated ${cn.currency} ${fromMinor(as[0]!.amount)} of credit note ${cn.number} to invoice ${call.view.invoice(as[0]!.invoiceId)?.number ?? '?'}`
            : `Allocated credit note ${cn.number} to ${as.length} invoices`,
      });
    }),
  );
}
