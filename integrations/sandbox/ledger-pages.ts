/**
 * The sandbox's stand-in for the ledgers' own web apps (go.xero.com, app.qbo.intuit.com): where
 * Arcus's "Open in Xero / QuickBooks" and "Fix in ledger" links lead when the organisation's
 * ledger is the sandbox. Plain server-rendered HTML, every value escaped:
 *
 *   GET /xero/app/:tenantId/invoices/:id     GET /xero/app/:tenantId/contacts/:id
 *   GET /qbo/app/:realmId/invoices/:id       GET /qbo/app/:realmId/customers/:id
 *
 * An invoice page shows its number, contact, dates, lines, amounts, status, the payments and
 * credits applied to it, and its history and notes (Xero history records; QuickBooks' private
 * note, where Arcus's notes go). A contact page shows the contact and its invoices.
 *
 * Tenancy: a page answers only for a document of the company named in its path, of that
 * company's provider; any other combination is the same 404 as an unknown id, so a page never
 * shows (or confirms) another company's records. The pages live inside the sandbox app, so they
 * are served only where the sandbox is (server/config.ts refuses it in production unless
 * SANDBOX_IN_PRODUCTION=allow).
 */
import { type Request, type Response, Router } from 'express';
import { fromMinor, type Minor } from '../../kernel/money';
import type { SandboxContext } from './context';
import type { Provider, SbCompany, SbContact, SbInvoice } from './model';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Where the pages live under the sandbox's base URL, per provider. */
export const LEDGER_APP_PATH: Record<Provider, string> = { xero: '/xero/app', quickbooks: '/qbo/app' };
const CONTACT_SEGMENT: Record<Provider, string> = { xero: 'contacts', quickbooks: 'customers' };
const BRAND: Record<Provider, string> = { xero: 'Xero', quickbooks: 'QuickBooks' };

export function ledgerInvoicePath(provider: Provider, companyId: string, invoiceId: string): string {
  return `${LEDGER_APP_PATH[provider]}/${encodeURIComponent(companyId)}/invoices/${encodeURIComponent(invoiceId)}`;
}

export function ledgerContactPath(provider: Provider, companyId: string, contactId: string): string {
  return `${LEDGER_APP_PATH[provider]}/${encodeURIComponent(companyId)}/${CONTACT_SEGMENT[provider]}/${encodeURIComponent(contactId)}`;
}

const STATUS_WORDS: Record<SbInvoice['status'], string> = {
  DRAFT: 'Draft',
  SUBMITTED: 'Awaiting approval',
  AUTHORISED: 'Awaiting payment',
  PAID: 'Paid',
  VOIDED: 'Voided',
  DELETED: 'Deleted',
};

function statusWords(inv: SbInvoice): string {
  if (inv.status === 'AUTHORISED' && inv.amountDue < inv.total) return 'Partly paid';
  return STATUS_WORDS[inv.status];
}

function money(currency: string, m: Minor): string {
  return `${currency} ${fromMinor(m)}`;
}

function when(company: SbCompany, at: number): string {
  try {
    return new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: company.timezone }).format(at);
  } catch {
    return new Date(at).toISOString();
  }
}

function layout(company: SbCompany, title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex">
<title>${esc(title)} — ${esc(company.name)}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:880px;margin:2rem auto;padding:0 1rem;color:#1f2937;line-height:1.45}
.tag{display:inline-block;font-size:12px;background:#fde68a;border-radius:4px;padding:.1rem .4rem}
h1{font-size:1.5rem;margin:.5rem 0 .25rem}h2{font-size:1.1rem;margin-top:1.75rem}
.meta{color:#4b5563;margin:.25rem 0}
table{width:100%;border-collapse:collapse;margin:.5rem 0}td,th{padding:.4rem;border-bottom:1px solid #e5e7eb;text-align:left;vertical-align:top}th{font-size:.85rem;color:#4b5563}
.n{text-align:right;white-space:nowrap}.muted{color:#6b7280}.note{white-space:pre-wrap;background:#f9fafb;border:1px solid #e5e7eb;border-radius:6px;padding:.6rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:.5rem 0}dt{color:#4b5563}dd{margin:0}
</style></head>
<body><span class="tag">${esc(BRAND[company.provider])} sandbox · ${esc(company.name)}</span>
${body}
</body></html>`;
}

function invoicePage(ctx: SandboxContext, company: SbCompany, inv: SbInvoice): string {
  const { store } = ctx;
  const contact = store.contacts.get(inv.contactId);
  const contactCell =
    contact && contact.companyId === company.id ? `<a href="${esc(`${ctx.options.baseUrl}${ledgerContactPath(company.provider, company.id, contact.id)}`)}">${esc(contact.name)}</a>` : '<span class="muted">Unknown contact</span>';
  const cur = inv.currency;
  const lines = inv.lines
    .map((l) => `<tr><td>${esc(l.description || '—')}</td><td class="n">${esc(l.quantity)}</td><td class="n">${esc(fromMinor(l.unitAmount))}</td><td class="n">${esc(fromMinor(l.taxAmount))}</td><td class="n">${esc(fromMinor(l.lineAmount))}</td></tr>`)
    .join('');

  const payments: string[] = [];
  for (const p of store.list('payments', company.id)) {
    for (const a of p.allocations) {
      if (a.invoiceId !== inv.id) continue;
      payments.push(`<tr><td>${esc(a.date)}</td><td>Payment${p.reference ? ` · ${esc(p.reference)}` : ''}${p.status === 'DELETED' ? ' <span class="muted">(deleted)</span>' : ''}</td><td class="n">${esc(money(p.currency, a.amount))}</td></tr>`);
    }
  }
  for (const cn of store.list('creditNotes', company.id)) {
    for (const a of cn.allocations) {
      if (a.invoiceId !== inv.id) continue;
      payments.push(`<tr><td>${esc(a.date)}</td><td>Credit note ${esc(cn.number)}${cn.status === 'VOIDED' || cn.status === 'DELETED' ? ` <span class="muted">(${esc(STATUS_WORDS[cn.status].toLowerCase())})</span>` : ''}</td><td class="n">${esc(money(cn.currency, a.amount))}</td></tr>`);
    }
  }
  for (const x of store.list('prepayments', company.id)) {
    for (const a of x.allocations) {
      if (a.invoiceId !== inv.id) continue;
      payments.push(`<tr><td>${esc(a.date)}</td><td>${x.kind === 'overpayment' ? 'Overpayment' : 'Prepayment'}${x.reference ? ` · ${esc(x.reference)}` : ''}</td><td class="n">${esc(money(x.currency, a.amount))}</td></tr>`);
    }
  }

  const history = [...inv.history]
    .sort((a, b) => b.at - a.at)
    .map((h) => `<tr><td class="n">${esc(when(company, h.at))}</td><td>${esc(h.user)}</td><td>${esc(h.changes)}</td><td>${esc(h.details)}</td></tr>`)
    .join('');
  const notes = [
    inv.privateNote ? `<p class="meta">Private note</p><div class="note" data-testid="private-note">${esc(inv.privateNote)}</div>` : '',
    inv.customerMemo ? `<p class="meta">Message to the customer</p><div class="note">${esc(inv.customerMemo)}</div>` : '',
  ].join('');

  const deposit = inv.deposit ?? 0;
  const body = `<h1>Invoice ${esc(inv.number || inv.id)}</h1>
<p class="meta" data-testid="status">${esc(statusWords(inv))}</p>
<dl>
<dt>To</dt><dd>${contactCell}</dd>
${inv.reference ? `<dt>Reference</dt><dd>${esc(inv.reference)}</dd>` : ''}
<dt>Issued</dt><dd>${esc(inv.issueDate)}</dd>
<dt>Due</dt><dd>${inv.dueDate ? esc(inv.dueDate) : '<span class="muted">No due date</span>'}</dd>
${inv.fullyPaidOnDate ? `<dt>Paid in full</dt><dd>${esc(inv.fullyPaidOnDate)}</dd>` : ''}
<dt>Currency</dt><dd>${esc(cur)}</dd>
</dl>
<h2>Lines</h2>
<table><thead><tr><th>Description</th><th class="n">Qty</th><th class="n">Unit price</th><th class="n">Tax</th><th class="n">Amount</th></tr></thead><tbody>${lines || '<tr><td colspan="5" class="muted">No lines</td></tr>'}</tbody></table>
<table><tbody>
<tr><td>Subtotal</td><td class="n">${esc(money(cur, inv.subTotal))}</td></tr>
<tr><td>Tax</td><td class="n">${esc(money(cur, inv.totalTax))}</td></tr>
<tr><td><strong>Total</strong></td><td class="n"><strong>${esc(money(cur, inv.total))}</strong></td></tr>
${deposit ? `<tr><td>Deposit</td><td class="n">${esc(money(cur, deposit))}</td></tr>` : ''}
<tr><td>Paid</td><td class="n">${esc(money(cur, inv.amountPaid))}</td></tr>
<tr><td>Credited</td><td class="n">${esc(money(cur, inv.amountCredited))}</td></tr>
<tr><td><strong>Amount due</strong></td><td class="n"><strong data-testid="amount-due">${esc(money(cur, inv.amountDue))}</strong></td></tr>
</tbody></table>
<h2>Payments and credits</h2>
${payments.length ? `<table><thead><tr><th>Date</th><th>What</th><th class="n">Amount</th></tr></thead><tbody>${payments.join('')}</tbody></table>` : '<p class="muted">Nothing has been paid or credited on this invoice.</p>'}
<h2>History and notes</h2>
${history ? `<table data-testid="history"><thead><tr><th class="n">When</th><th>Who</th><th>Change</th><th>Details</th></tr></thead><tbody>${history}</tbody></table>` : '<p class="muted">No history.</p>'}
${notes}`;
  return layout(company, `Invoice ${inv.number || inv.id}`, body);
}

function contactPage(ctx: SandboxContext, company: SbCompany, contact: SbContact): string {
  const invoices = ctx.store
    .list('invoices', company.id)
    .filter((inv) => inv.contactId === contact.id)
    .sort((a, b) => b.issueDate.localeCompare(a.issueDate) || b.number.localeCompare(a.number));
  const rows = invoices
    .map((inv) => {
      const href = `${ctx.options.baseUrl}${ledgerInvoicePath(company.provider, company.id, inv.id)}`;
      return `<tr><td><a href="${esc(href)}">${esc(inv.number || inv.id)}</a></td><td>${esc(inv.issueDate)}</td><td>${inv.dueDate ? esc(inv.dueDate) : '—'}</td><td>${esc(statusWords(inv))}</td><td class="n">${esc(money(inv.currency, inv.total))}</td><td class="n">${esc(money(inv.currency, inv.amountDue))}</td></tr>`;
    })
    .join('');
  const emails = [contact.email, ...contact.contactPersons.map((p) => p.email)].filter((e): e is string => Boolean(e));
  const address = contact.address ? [contact.address.line1, contact.address.city, contact.address.region, contact.address.postalCode, contact.address.country].filter(Boolean).join(', ') : '';
  const body = `<h1>${esc(contact.name)}</h1>
<p class="meta">${contact.status === 'ARCHIVED' ? 'Archived contact' : contact.isCustomer ? 'Customer' : 'Contact'}</p>
<dl>
<dt>Email</dt><dd data-testid="email">${emails.length ? emails.map(esc).join('<br>') : '<span class="muted">No email address</span>'}</dd>
<dt>Phone</dt><dd>${contact.phone ? esc(contact.phone) : '<span class="muted">No phone number</span>'}</dd>
${address ? `<dt>Address</dt><dd>${esc(address)}</dd>` : ''}
<dt>Currency</dt><dd>${esc(contact.currency)}</dd>
</dl>
<h2>Invoices</h2>
${rows ? `<table data-testid="invoices"><thead><tr><th>Number</th><th>Issued</th><th>Due</th><th>Status</th><th class="n">Total</th><th class="n">Due</th></tr></thead><tbody>${rows}</tbody></table>` : '<p class="muted">No invoices for this contact.</p>'}`;
  return layout(company, contact.name, body);
}

const NOT_FOUND = '<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex"><title>Not found</title></head><body><p>There is no such page in this sandbox company.</p></body></html>';

function send(res: Response, html: string | null): void {
  res.set('cache-control', 'no-store');
  res.set('x-robots-tag', 'noindex');
  if (html === null) return void res.status(404).type('html').send(NOT_FOUND);
  res.type('html').send(html);
}

export function ledgerPagesRouter(ctx: SandboxContext): Router {
  const r = Router();
  const companyOf = (provider: Provider, req: Request): SbCompany | null => {
    const c = ctx.store.companies.get(String(req.params['companyId'] ?? ''));
    return c && c.provider === provider ? c : null;
  };
  for (const provider of ['xero', 'quickbooks'] as const) {
    const base = LEDGER_APP_PATH[provider];
    r.get(`${base}/:companyId/invoices/:id`, (req, res) => {
      const company = companyOf(provider, req);
      const inv = company ? ctx.store.invoices.get(String(req.params['id'] ?? '')) : undefined;
      send(res, company && inv && inv.companyId === company.id ? invoicePage(ctx, company, inv) : null);
    });
    r.get(`${base}/:companyId/${CONTACT_SEGMENT[provider]}/:id`, (req, res) => {
      const company = companyOf(provider, req);
      const contact = company ? ctx.store.contacts.get(String(req.params['id'] ?? '')) : undefined;
      send(res, company && contact && contact.companyId === company.id && contact.deletedAt === null ? contactPage(ctx, company, contact) : null);
    });
  }
  return r;
}
