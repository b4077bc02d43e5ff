/**
 * A reminder email from a template and real data: merge values (amounts in the invoice's
 * currency, dates and amounts in the customer's language and the organisation's country —
 * kernel/locale.ts; English as it always was), the invoice table in HTML and text, and the
 * organisation's branding around the HTML body (colour bar, logo or name, signature, and the
 * unsubscribe footer). Pure.
 */
import { type CalendarDate, diffDays, longDate } from '../../kernel/dates';
import { formatDateIn, type Language, localeFor } from '../../kernel/locale';
import { formatMoneyIn, type Minor, parseAmount } from '../../kernel/money';
import type { TemplateBody } from './defaults';
import { emailWords } from './email-words';
import { escapeHtml, type MergeValues, renderTemplate } from './merge';
import type { OrgSettings } from './types';
import { isMaskedPayUrl } from '../pay/url-at-rest';

export interface RenderInvoice {
  number: string;
  issueDate: CalendarDate;
  dueDate: CalendarDate | null;
  currency: string;
  total: string;
  amountDue: string;
  url: string | null;
}

export interface EmailContext {
  organisation: { name: string; countryCode: string | null };
  settings: Pick<OrgSettings, 'brandColour' | 'logoUrl' | 'signature' | 'senderName'>;
  customer: { name: string; firstName: string | null; contactName: string | null };
  /** The customer's language (server/reminders/language.ts): formats, table headings, footer. Absent: English. */
  language?: Language;
  /** Listed invoices, oldest due first; the first is `invoice.*`. */
  invoices: RenderInvoice[];
  stepNumber: number;
  today: CalendarDate;
  unsubscribeUrl: string | null;
  /**
   * The Arcus pay link (server/pay/): the invoice's for a single-invoice email, the customer's
   * statement link for a grouped one. null: no link (APP_URL unusable). Absent (older callers):
   * the ledger's online invoice URL, as before.
   */
  payLink?: string | null;
  /** An early-payment discount still on offer for a listed invoice. */
  discountOffer?: { expiresOn: CalendarDate; rateBp: number; amount: string; currency: string } | null;
  /** The organisation's footer (server/sender/), plain text, above the unsubscribe line. */
  footer?: string;
}

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

/** A calendar date for people in `language` (English by default: "15 Dec 2026"; "15 décembre 2026"). */
export function formatDate(date: CalendarDate | null, countryCode: string | null, language: Language = 'en'): string {
  return formatDateIn(date, localeFor(language, countryCode));
}

/**
 * A day inside a sentence of a debtor's email, in `language`: English as such sentences always read
 * ("7 December 2026", kernel/dates `longDate`), elsewhere the locale's long date ("7 décembre 2026",
 * "7. Dezember 2026"). Used by the refund and cancellation emails.
 */
export function sentenceDate(date: CalendarDate, countryCode: string | null, language: Language = 'en'): string {
  return language === 'en' ? longDate(date) : formatDate(date, countryCode, language);
}

/**
 * A ledger amount (a decimal string, up to 4 places from `numeric(19,4)`) in `currency`'s minor
 * units (ISO 4217: 0 places for JPY, 3 for BHD, else 2), rounded half away from zero.
 */
export function minorOf(amount: string, currency: string): Minor {
  return parseAmount(amount, currency, true);
}

/** Minor units of `currency` (as `minorOf` gives them) for people: exactly the currency's places, in `language`'s format. */
export function formatMoney(minor: Minor, currency: string, countryCode: string | null, language: Language = 'en'): string {
  return formatMoneyIn(minor, currency, localeFor(language, countryCode));
}

/** Sums per currency, formatted and joined ("£1,200.00 + €300.00"). */
export function formatTotals(items: { currency: string; minor: Minor }[], countryCode: string | null, language: Language = 'en'): string {
  const by = new Map<string, Minor>();
  for (const i of items) by.set(i.currency, (by.get(i.currency) ?? 0) + i.minor);
  if (by.size === 0) return '';
  return [...by.entries()].map(([c, m]) => formatMoney(m, c, countryCode, language)).join(' + ');
}

function daysOverdue(inv: RenderInvoice, today: CalendarDate): number {
  return inv.dueDate ? Math.max(0, diffDays(inv.dueDate, today)) : 0;
}

function statusText(inv: RenderInvoice, today: CalendarDate, language: Language = 'en'): string {
  if (!inv.dueDate) return '';
  return emailWords(language).status(diffDays(inv.dueDate, today));
}

/** An http(s) URL that leads somewhere: not a pay link whose token was hidden at rest (server/pay/url-at-rest.ts). */
function safeUrl(url: string | null): string | null {
  return url && /^https?:\/\//i.test(url) && !isMaskedPayUrl(url) ? url : null;
}

function invoiceTableHtml(ctx: EmailContext): string {
  const c = ctx.organisation.countryCode;
  const lang = ctx.language ?? 'en';
  const w = emailWords(lang).table;
  const th = 'style="text-align:left;padding:6px 8px;border-bottom:2px solid #e5e7eb;font-size:13px;color:#4b5563"';
  const td = 'style="padding:6px 8px;border-bottom:1px solid #e5e7eb"';
  const tdKeep = 'style="padding:6px 8px;border-bottom:1px solid #e5e7eb;white-space:nowrap"';
  const rows = ctx.invoices.map((inv) => {
    const url = safeUrl(inv.url);
    const overdue = inv.dueDate !== null && inv.dueDate < ctx.today;
    return `<tr><td ${td}>${escapeHtml(inv.number)}</td><td ${td}>${escapeHtml(formatDate(inv.issueDate, c, lang))}</td><td ${td}>${escapeHtml(formatDate(inv.dueDate, c, lang))}<br><span style="font-size:12px;color:${overdue ? '#c92a2a' : '#6b7280'}">${escapeHtml(statusText(inv, ctx.today, lang))}</span></td><td ${tdKeep.replace('"padding', '"text-align:right;padding')}>${escapeHtml(formatMoney(minorOf(inv.amountDue, inv.currency), inv.currency, c, lang))}</td><td ${tdKeep}>${url ? `<a href="${escapeHtml(url)}">${w.viewAndPay}</a>` : ''}</td></tr>`;
  });
  return `<table role="presentation" style="border-collapse:collapse;width:100%;margin:12px 0;font-size:14px"><thead><tr><th ${th}>${w.invoice}</th><th ${th}>${w.date}</th><th ${th}>${w.due}</th><th ${th.replace('text-align:left', 'text-align:right;white-space:nowrap')}>${w.amountDue}</th><th ${th}></th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function invoiceTableText(ctx: EmailContext): string {
  const c = ctx.organisation.countryCode;
  const lang = ctx.language ?? 'en';
  const words = emailWords(lang);
  return ctx.invoices
    .map((inv) => {
      const url = safeUrl(inv.url);
      const line = words.textLine(inv.number, formatMoney(minorOf(inv.amountDue, inv.currency), inv.currency, c, lang), formatDate(inv.dueDate, c, lang), statusText(inv, ctx.today, lang));
      return url ? `${line}\n  ${url}` : line;
    })
    .join('\n');
}

export function mergeValues(ctx: EmailContext): MergeValues {
  const c = ctx.organisation.countryCode;
  const lang = ctx.language ?? 'en';
  const date = (d: CalendarDate | null) => formatDate(d, c, lang);
  const money = (amount: string, currency: string) => formatMoney(minorOf(amount, currency), currency, c, lang);
  const lead = ctx.invoices[0] ?? null;
  const v = (text: string | number | null | undefined, html?: string) => (text === null || text === undefined || text === '' ? null : { text: String(text), html });
  const overdue = ctx.invoices.filter((i) => i.dueDate !== null && i.dueDate < ctx.today);
  const firstName = ctx.customer.firstName?.trim() || ctx.customer.contactName?.trim() || ctx.customer.name;
  const payment = ctx.payLink !== undefined ? safeUrl(ctx.payLink) : (ctx.invoices.map((i) => safeUrl(i.url)).find((u) => u !== null) ?? null);
  const signature = ctx.settings.signature.trim() || ctx.settings.senderName?.trim() || ctx.organisation.name;
  return {
    'customer.name': v(ctx.customer.name),
    'contact.first_name': v(firstName),
    'contact.name': v(ctx.customer.contactName?.trim() || ctx.customer.name),
    'invoice.number': v(lead?.number),
    'invoice.issue_date': v(lead ? date(lead.issueDate) : null),
    'invoice.due_date': v(lead ? date(lead.dueDate) : null),
    'invoice.amount_due': v(lead ? money(lead.amountDue, lead.currency) : null),
    'invoice.total': v(lead ? money(lead.total, lead.currency) : null),
    'invoice.status': v(lead ? statusText(lead, ctx.today, lang) : null),
    'invoice.days_overdue': lead ? { text: String(daysOverdue(lead, ctx.today)) } : null,
    'invoice.days_until_due': lead?.dueDate ? { text: String(Math.max(0, diffDays(ctx.today, lead.dueDate))) } : null,
    'invoices.table': ctx.invoices.length ? { text: invoiceTableText(ctx), html: invoiceTableHtml(ctx) } : null,
    'invoices.count': { text: String(ctx.invoices.length) },
    total_overdue: v(formatTotals(overdue.map((i) => ({ currency: i.currency, minor: minorOf(i.amountDue, i.currency) })), c, lang)) ?? { text: formatTotals([{ currency: lead?.currency ?? 'USD', minor: 0 }], c, lang) },
    total_due: v(formatTotals(ctx.invoices.map((i) => ({ currency: i.currency, minor: minorOf(i.amountDue, i.currency) })), c, lang)),
    payment_link: v(payment),
    discount_offer: v(ctx.discountOffer ? discountText(ctx.discountOffer, c, lang) : null),
    'organisation.name': v(ctx.organisation.name),
    'organisation.signature': { text: signature, html: escapeHtml(signature).replace(/\r?\n/g, '<br>') },
    'step.number': { text: String(ctx.stepNumber) },
    today: v(date(ctx.today)),
    unsubscribe_link: v(ctx.unsubscribeUrl),
  };
}

/** "Pay by 12 Dec 2026 and save 2% (£12.40)"; basis points shown with up to two decimals. */
export function discountText(offer: NonNullable<EmailContext['discountOffer']>, countryCode: string | null, language: Language = 'en'): string {
  const whole = Math.trunc(offer.rateBp / 100);
  const frac = String(offer.rateBp % 100).padStart(2, '0').replace(/0+$/, '');
  // fr, de, es and nl write a decimal comma.
  const rate = frac ? `${whole}${language === 'en' ? '.' : ','}${frac}` : String(whole);
  return emailWords(language).discount(formatDate(offer.expiresOn, countryCode, language), rate, formatMoney(minorOf(offer.amount, offer.currency), offer.currency, countryCode, language));
}

const HEX = /^#[0-9a-f]{6}$/i;

function brandedHtml(content: string, ctx: EmailContext, subject: string): string {
  const colour = HEX.test(ctx.settings.brandColour) ? ctx.settings.brandColour : '#1c7ed6';
  const logo = safeUrl(ctx.settings.logoUrl);
  const name = escapeHtml(ctx.organisation.name);
  const header = logo ? `<img src="${escapeHtml(logo)}" alt="${name}" style="max-height:40px;max-width:240px;display:block">` : name;
  const lang = ctx.language ?? 'en';
  const words = emailWords(lang);
  const unsubscribe = ctx.unsubscribeUrl ? ` <a href="${escapeHtml(ctx.unsubscribeUrl)}" style="color:#6b7280">${escapeHtml(words.unsubscribeLink)}</a>` : '';
  const footer = ctx.footer?.trim() ? `${escapeHtml(ctx.footer.trim()).replace(/\r?\n/g, '<br>')}<br><br>` : '';
  return [
    `<!doctype html><html${lang === 'en' ? '' : ` lang="${lang}"`}><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">`,
    `<title>${escapeHtml(subject)}</title></head>`,
    '<body style="margin:0;padding:0;background:#f4f5f7;font-family:Arial,Helvetica,sans-serif;color:#1f2933">',
    '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f4f5f7"><tr><td align="center" style="padding:24px 12px">',
    '<table role="presentation" width="600" cellpadding="0" cellspacing="0" style="max-width:600px;width:100%;background:#ffffff;border-radius:8px;overflow:hidden">',
    `<tr><td style="background:${colour};padding:16px 24px;color:#ffffff;font-size:18px;font-weight:bold">${header}</td></tr>`,
    `<tr><td style="padding:24px;font-size:15px;line-height:1.5">${content}</td></tr>`,
    `<tr><td style="padding:16px 24px;font-size:12px;color:#6b7280;border-top:1px solid #e5e7eb">${footer}${escapeHtml(words.sentOnBehalf(ctx.organisation.name))}${unsubscribe}</td></tr>`,
    '</table></td></tr></table></body></html>',
  ].join('');
}

export function renderEmail(template: TemplateBody, ctx: EmailContext): RenderedEmail {
  const values = mergeValues(ctx);
  const subject = renderTemplate(template.subject, values, 'text').replace(/\s+/g, ' ').trim().slice(0, 250);
  const content = renderTemplate(template.bodyHtml, values, 'html');
  let text = renderTemplate(template.bodyText, values, 'text').replace(/\n{3,}/g, '\n\n').trim();
  if (ctx.footer?.trim()) text += `\n\n${ctx.footer.trim()}`;
  const words = emailWords(ctx.language ?? 'en');
  if (ctx.unsubscribeUrl) text += `\n\n--\n${words.sentOnBehalf(ctx.organisation.name)} ${words.unsubscribeText(ctx.unsubscribeUrl)}`;
  return { subject, html: brandedHtml(content, ctx, subject), text: `${text}\n` };
}
