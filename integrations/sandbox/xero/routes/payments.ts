/** GET/PUT/POST /Payments and /Payments/{PaymentID}. */
import type { Router } from 'express';
import { fromMinor } from '../../../../kernel/money';
import type { SbPayment } from '../../model';
import { isObj, itemsOf, member, type Obj } from '../body';
import { paymentFields } from '../fields';
import { handle, runBatch, type XeroCall } from '../handler';
import { notFound, ok, XeroHttpError, XeroValidationError } from '../http';
import { readListParams, runList } from '../list';
import { rememberPaymentAccount } from '../map/accounts';
import { paymentOut } from '../map/payment';
import { type PaymentInput, parsePayment } from '../parse/payment';
import { isGuid, resolveInvoice } from '../parse/refs';

function paymentOr404(call: XeroCall, id: string): SbPayment {
  const p = isGuid(id) ? call.ctx.store.payments.get(id.toLowerCase()) : undefined;
  if (!p || p.companyId !== call.company.id) throw new XeroHttpError(notFound());
  return p;
}

/**
 * A refund (Xero: PUT Payments with CreditNote and Account, PaymentType ARCREDITPAYMENT): money
 * paid back out of an AUTHORISED credit note's remaining credit, which falls by the amount.
 */
function createRefund(call: XeroCall, input: PaymentInput & { creditNoteId: string }): SbPayment {
  const cn = isGuid(input.creditNoteId) ? call.ctx.store.creditNotes.get(input.creditNoteId.toLowerCase()) : undefined;
  if (!cn || cn.companyId !== call.company.id) throw new XeroValidationError([`Credit note ${input.creditNoteId} could not be found`], {});
  if (cn.status !== 'AUTHORISED') throw new XeroValidationError([`Payment not allowed: credit note ${cn.number} is ${cn.status}`], {});
  if (input.amount > cn.remainingCredit) throw new XeroValidationError([`Payment amount exceeds the credit remaining on ${cn.number}`], {});
  const p = call.ctx.store.createPayment(call.company.id, {
    contactId: cn.contactId,
    date: input.date ?? call.view.today(),
    allocations: [],
    creditNoteLinks: [{ creditNoteId: cn.id, amount: input.amount }],
    amount: input.amount,
    reference: input.reference,
  });
  rememberPaymentAccount(p, input.accountCode);
  return p;
}

/** A refund of an overpayment or prepayment (AROVERPAYMENTPAYMENT / ARPREPAYMENTPAYMENT): its RemainingCredit falls by the amount. */
function refundPrepayment(call: XeroCall, input: PaymentInput & { prepayment: NonNullable<PaymentInput['prepayment']> }): SbPayment {
  const x = isGuid(input.prepayment.id) ? call.ctx.store.prepayments.get(input.prepayment.id.toLowerCase()) : undefined;
  if (!x || x.companyId !== call.company.id || x.kind !== input.prepayment.kind) throw new XeroValidationError([`The ${input.prepayment.kind} ${input.prepayment.id} could not be found`], {});
  if (x.status !== 'AUTHORISED') throw new XeroValidationError([`Payment not allowed: the ${x.kind} is ${x.status}`], {});
  if (input.amount > x.remainingCredit) throw new XeroValidationError([`Payment amount exceeds the credit remaining on the ${x.kind}`], {});
  const p = call.ctx.store.refundPrepayment(call.company.id, x.id, { date: input.date ?? call.view.today(), amount: input.amount, reference: input.reference });
  rememberPaymentAccount(p, input.accountCode);
  return p;
}

function createPayment(call: XeroCall, input: PaymentInput): SbPayment {
  if (input.prepayment) return refundPrepayment(call, { ...input, prepayment: input.prepayment });
  if (input.creditNoteId) return createRefund(call, { ...input, creditNoteId: input.creditNoteId });
  const inv = resolveInvoice(call.view, input.invoice);
  const p = call.ctx.store.createPayment(call.company.id, {
    date: input.date ?? call.view.today(),
    allocations: [{ invoiceId: inv.id, amount: input.amount }],
    reference: input.reference,
  });
  rememberPaymentAccount(p, input.accountCode);
  return p;
}

/** The only change Xero allows on a payment: Status DELETED. */
function parseDelete(item: Obj): 'DELETED' {
  const status = member(item, 'Status');
  if (typeof status !== 'string' || status.toUpperCase() !== 'DELETED') {
    throw new XeroValidationError(['A payment can only be deleted (Status DELETED); other changes are not allowed'], item);
  }
  return 'DELETED';
}

const render = (call: XeroCall) => (p: SbPayment) => paymentOut(call.view, p);

function describeCreated(call: XeroCall) {
  return (ps: SbPayment[]) => {
    if (ps.length !== 1) return `Created ${ps.length} payments`;
    const p = ps[0]!;
    if (p.prepaymentLink) return `Created refund ${p.currency} ${fromMinor(p.amount)} of an ${call.ctx.store.prepayments.get(p.prepaymentLink.prepaymentId)?.kind ?? 'overpayment'}`;
    if (p.allocations.length === 0 && p.creditNoteLinks[0]) return `Created refund ${p.currency} ${fromMinor(p.amount)} on credit note ${call.ctx.store.creditNotes.get(p.creditNoteLinks[0].creditNoteId)?.number ?? '?'}`;
    const inv = p.allocations[0] ? call.view.invoice(p.allocations[0].invoiceId) : undefined;
    return `Created payment ${p.currency} ${fromMinor(p.amount)} on invoice ${inv?.number ?? '?'}`;
  };
}

export function paymentRoutes(router: Router): void {
  router.get(
    '/Payments',
    handle((call) => {
      const params = readListParams(call.req);
      const items = call.ctx.store.list('payments', call.company.id);
      const { items: page, pagination } = runList(items, params, { typeName: 'Payment', fields: paymentFields(call.view), updatedAt: (p) => p.updatedAt });
      return ok(call.view.now, { pagination, Payments: page.map(render(call)) });
    }),
  );

  router.get(
    '/Payments/:PaymentID',
    handle((call) => ok(call.view.now, { Payments: [render(call)(paymentOr404(call, String(call.req.params.PaymentID)))] })),
  );

  router.put(
    '/Payments',
    handle((call) =>
      runBatch(call, itemsOf(call.req.body, 'Payments', 'Payment'), {
        key: 'Payments',
        parse: parsePayment,
        apply: (input) => createPayment(call, input),
        render: render(call),
        describe: describeCreated(call),
      }),
    ),
  );

  // xero-node's createPayment POSTs one bare Payment; a PaymentID with Status DELETED deletes.
  router.post(
    '/Payments',
    handle((call) =>
      runBatch<{ kind: 'create'; input: PaymentInput } | { kind: 'delete'; payment: SbPayment }, SbPayment>(call, itemsOf(call.req.body, 'Payments', 'Payment'), {
        key: 'Payments',
        parse: (item) => {
          const id = member(item, 'PaymentID');
          if (typeof id === 'string' && id !== '') {
            parseDelete(item);
            const payment = isGuid(id) ? call.ctx.store.payments.get(id.toLowerCase()) : undefined;
            if (!payment || payment.companyId !== call.company.id) throw new XeroValidationError([`Payment ${id} could not be found`], item);
            return { kind: 'delete', payment };
          }
          return { kind: 'create', input: parsePayment(item) };
        },
        apply: (op) => (op.kind === 'delete' ? call.ctx.store.deletePayment(call.company.id, op.payment.id) : createPayment(call, op.input)),
        render: render(call),
        describe: describeCreated(call),
      }),
    ),
  );

  router.post(
    '/Payments/:PaymentID',
    handle((call) => {
      const payment = paymentOr404(call, String(call.req.params.PaymentID));
      const body: unknown = call.req.body;
      const items = isObj(body) && member(body, 'Payments') === undefined ? [body] : itemsOf(body, 'Payments', 'Payment');
      return runBatch(call, items.slice(0, 1), {
        key: 'Payments',
        parse: parseDelete,
        apply: () => call.ctx.store.deletePayment(call.company.id, payment.id),
        render: render(call),
        describe: () => `Deleted payment ${payment.currency} ${fromMinor(payment.amount)} (${payment.id})`,
      });
    }),
  );
}
