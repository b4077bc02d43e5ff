/**
 * GET /Overpayments, /Prepayments and one of each by id: paged, If-Modified-Since, where and
 * order like the other lists. Created by the demo generator and the admin API (receiving an
 * overpayment or a prepayment is a bank transaction in Xero, outside what Arcus writes).
 */
import type { Router } from 'express';
import { fromMinor } from '../../../../kernel/money';
import type { SbAllocation, SbPrepayment } from '../../model';
import { itemsOf } from '../body';
import { prepaymentFields } from '../fields';
import { handle, runBatch, type XeroCall } from '../handler';
import { notFound, ok, XeroHttpError } from '../http';
import { readListParams, runList } from '../list';
import { prepaymentOut } from '../map/prepayment';
import { parseAllocation } from '../parse/credit-note';
import { isGuid, resolveInvoice } from '../parse/refs';

const KINDS = [
  { kind: 'overpayment', path: 'Overpayments', id: 'OverpaymentID', typeName: 'Overpayment' },
  { kind: 'prepayment', path: 'Prepayments', id: 'PrepaymentID', typeName: 'Prepayment' },
] as const;

function ofKind(call: XeroCall, kind: SbPrepayment['kind']): SbPrepayment[] {
  return call.ctx.store.list('prepayments', call.company.id).filter((x) => x.kind === kind);
}

export function prepaymentRoutes(router: Router): void {
  for (const k of KINDS) {
    router.get(
      `/${k.path}`,
      handle((call) => {
        const params = readListParams(call.req);
        const { items, pagination } = runList(ofKind(call, k.kind), params, { typeName: k.typeName, fields: prepaymentFields(call.view, k.kind), updatedAt: (x) => x.updatedAt });
        return ok(call.view.now, { pagination, [k.path]: items.map((x) => prepaymentOut(call.view, x)) });
      }),
    );
    router.get(
      `/${k.path}/:${k.id}`,
      handle((call) => {
        const id = String(call.req.params[k.id]);
        const x = isGuid(id) ? call.ctx.store.prepayments.get(id.toLowerCase()) : undefined;
        if (!x || x.companyId !== call.company.id || x.kind !== k.kind) throw new XeroHttpError(notFound());
        return ok(call.view.now, { [k.path]: [prepaymentOut(call.view, x)] });
      }),
    );
    // PUT Overpayments/{id}/Allocations, Prepayments/{id}/Allocations: apply the credit to invoices (idempotent by key, as every PUT).
    router.put(
      `/${k.path}/:${k.id}/Allocations`,
      handle((call) => {
        const id = String(call.req.params[k.id]);
        const x = isGuid(id) ? call.ctx.store.prepayments.get(id.toLowerCase()) : undefined;
        if (!x || x.companyId !== call.company.id || x.kind !== k.kind) throw new XeroHttpError(notFound());
        return runBatch<ReturnType<typeof parseAllocation>, SbAllocation>(call, itemsOf(call.req.body, 'Allocations', 'Allocation'), {
          key: 'Allocations',
          parse: parseAllocation,
          apply: (input) => {
            const inv = resolveInvoice(call.view, input.invoice);
            return call.ctx.store.allocatePrepayment(call.company.id, x.id, inv.id, input.amount, input.date ?? call.view.today());
          },
          render: (a) => {
            const inv = call.view.invoice(a.invoiceId);
            return { AllocationID: a.id, Amount: Number(fromMinor(a.amount)), Date: `/Date(${Date.parse(`${a.date}T00:00:00Z`)}+0000)/`, Invoice: { InvoiceID: a.invoiceId, InvoiceNumber: inv?.number ?? '' }, [k.typeName]: { [k.id]: x.id }, IsDeleted: false };
          },
          describe: (as) => `Allocated ${x.currency} ${fromMinor(as.reduce((s, a) => s + a.amount, 0))} of the ${k.kind} to invoice ${call.view.invoice(as[0]?.invoiceId ?? '')?.number ?? '?'}`,
        });
      }),
    );
  }
}
