/**
 * The ledgers' own online invoice pages, as far as a customer sees them: Xero's OnlineInvoice
 * link (`/xero/in/<token>`) and QuickBooks' InvoiceLink (`/qbo/pay/<realm>/<id>`). A plain HTML
 * view of the invoice (number, lines, total, amount due, status), so the links the sandbox hands
 * out lead somewhere. No payment is taken here.
 */
import { type Request, type Response, Router } from 'express';
import { fromMinor } from '../../kernel/money';
import type { SandboxContext } from './context';
import type { SbInvoice } from './model';
import { findInvoiceByOnlineToken, ONLINE_INVOICE_PATH } from './xero/online-invoice';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function page(ctx: SandboxContext, inv: SbInvoice, brand: string): string {
  const company = ctx.store.company(inv.companyId);
  const amount = (m: number) => `${inv.currency} ${fromMinor(m)}`;
  const lines = inv.lines.map((l) => `<tr><td>${esc(l.description)}</td><td class="n">${esc(l.quantity)}</td><td class="n">${esc(amount(l.lineAmount))}</td></tr>`).join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Invoice ${esc(inv.number)} — ${esc(company.name)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:720px;margin:2rem auto;padding:0 1rem;color:#1f2937}.tag{font-size:12px;color:#6b7280}table{width:100%;border-collapse:collapse;margin:1rem 0}td,th{padding:.4rem;border-bottom:1px solid #e5e7eb;text-align:left}.n{text-align:right}</style></head>
<body><p class="tag">${esc(brand)} (sandbox)</p><h1>${esc(company.name)}</h1><h2>Invoice ${esc(inv.number)}</h2>
<p>Issued ${esc(inv.issueDate)}${inv.dueDate ? ` · due ${esc(inv.dueDate)}` : ''} · ${esc(inv.status)}</p>
<table><thead><tr><th>Description</th><th class="n">Qty</th><th class="n">Amount</th></tr></thead><tbody>${lines}</tbody></table>
<p class="n">Total <strong>${esc(amount(inv.total))}</strong></p><p class="n">Amount due <strong data-testid="amount-due">${esc(amount(inv.amountDue))}</strong></p></body></html>`;
}

function send(res: Response, html: string | null): void {
  res.set('cache-control', 'no-store');
  if (!html) return void res.status(404).type('html').send('<!doctype html><title>Not found</title><p>This invoice link is not valid.</p>');
  res.type('html').send(html);
}

export function onlinePagesRouter(ctx: SandboxContext): Router {
  const r = Router();
  r.get(`${ONLINE_INVOICE_PATH}/:token`, (req: Request, res: Response) => {
    const inv = findInvoiceByOnlineToken(ctx.store, String(req.params['token'] ?? ''));
    send(res, inv && inv.status !== 'DRAFT' && inv.status !== 'DELETED' ? page(ctx, inv, 'Xero online invoice') : null);
  });
  r.get('/qbo/pay/:realmId/:invoiceId', (req: Request, res: Response) => {
    const inv = ctx.store.invoices.get(String(req.params['invoiceId'] ?? ''));
    const ok = inv && inv.companyId === req.params['realmId'] && ctx.store.companies.get(inv.companyId)?.provider === 'quickbooks';
    send(res, ok ? page(ctx, inv, 'QuickBooks invoice') : null);
  });
  return r;
}
