/** /Invoices/{InvoiceID}/History and /Invoices/{InvoiceID}/OnlineInvoice. */
import type { Router } from 'express';
import type { SbHistoryEntry } from '../../model';
import { itemsOf } from '../body';
import { handle, runBatch } from '../handler';
import { ok, validationFailed } from '../http';
import { historyOut } from '../map/history';
import { onlineInvoiceUrl } from '../online-invoice';
import { parseHistory } from '../parse/history';
import { invoiceOr404 } from './invoices';

export function invoiceExtraRoutes(router: Router): void {
  router.get(
    '/Invoices/:InvoiceID/History',
    handle((call) => {
      const inv = invoiceOr404(call, String(call.req.params.InvoiceID));
      const records = [...inv.history].sort((a, b) => b.at - a.at).map(historyOut);
      return ok(call.view.now, { HistoryRecords: records });
    }),
  );

  router.put(
    '/Invoices/:InvoiceID/History',
    handle((call) => {
      const inv = invoiceOr404(call, String(call.req.params.InvoiceID));
      return runBatch<string, SbHistoryEntry>(call, itemsOf(call.req.body, 'HistoryRecords', 'HistoryRecord'), {
        key: 'HistoryRecords',
        parse: parseHistory,
        apply: (details) => {
          const updated = call.ctx.store.addHistory(call.company.id, inv.id, details);
          return updated.history[updated.history.length - 1]!;
        },
        render: historyOut,
        describe: (hs) => `Added ${hs.length === 1 ? 'a history note' : `${hs.length} history notes`} to invoice ${inv.number}`,
      });
    }),
  );

  router.get(
    '/Invoices/:InvoiceID/OnlineInvoice',
    handle((call) => {
      const inv = invoiceOr404(call, String(call.req.params.InvoiceID));
      if (inv.status !== 'AUTHORISED' && inv.status !== 'PAID') {
        return validationFailed([
          { element: { InvoiceID: inv.id }, messages: [`An online invoice is only available for an approved invoice (AUTHORISED or PAID); invoice ${inv.number} is ${inv.status}`] },
        ]);
      }
      return ok(call.view.now, { OnlineInvoices: [{ OnlineInvoiceUrl: onlineInvoiceUrl(call.ctx.options.baseUrl, inv.id) }] });
    }),
  );
}
