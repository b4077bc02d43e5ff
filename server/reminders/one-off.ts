/**
 * A one-off email to a customer outside the reminder sequences (a plan's instalment reminder, a
 * pay link a collector sends): the organisation's sender name and reply-to, the message as text
 * and the same paragraphs as HTML, a stable Message-ID from the caller, and the SMTP answer
 * classified so the caller can give its claim back when the server only deferred it.
 */
import { classifySmtpError, type Mailer } from '../../integrations/email/transport';
import { FIRM_HEADER } from '../email/embedded';
import { mailAddress } from './deps';
import type { Db } from '../db/client';
import { type CustomerState, loadCustomerState, type OrgWithSettings } from './load';
import { recipientBlock, recipientsOf } from './plan';
import { escapeHtml } from './merge';

export interface OneOffMail {
  mailer: Mailer;
  mailFrom: string;
  embedded: boolean;
}

export type OneOffOutcome = { sent: true } | { sent: false; kind: 'temporary' | 'permanent'; message: string };

export async function sendCustomerEmail(mail: OneOffMail, p: { firmId: string; org: OrgWithSettings; to: string[]; messageId: string; subject: string; lines: string[]; headers?: Record<string, string> }): Promise<OneOffOutcome> {
  const name = (p.org.settings.senderName?.trim() || p.org.name).replace(/["\\\r\n]/g, '');
  try {
    await mail.mailer.send({
      messageId: p.messageId,
      from: `"${name}" <${mailAddress(mail.mailFrom)}>`,
      replyTo: p.org.settings.replyTo,
      to: p.to,
      subject: p.subject,
      text: p.lines.join('\n'),
      html: p.lines.map((l) => (l ? `<p>${escapeHtml(l)}</p>` : '')).join('\n'),
      headers: { ...(p.headers ?? {}), ...(mail.embedded ? { [FIRM_HEADER]: p.firmId } : {}) },
    });
    return { sent: true };
  } catch (err) {
    const e = classifySmtpError(err);
    return { sent: false, kind: e.kind === 'temporary' ? 'temporary' : 'permanent', message: e.message };
  }
}

/**
 * Who a one-off email to a customer goes to (the reminder recipients), or why it cannot go, in
 * words for the timeline: "Harbour Ltd has unsubscribed from emails."
 */
export async function customerRecipients(db: Db, org: Pick<OrgWithSettings, 'id' | 'firmId'>, contactExternalId: string): Promise<{ customer: CustomerState; to: string[]; why: null } | { customer: CustomerState; to: null; why: string }> {
  const customer = await loadCustomerState(db, org, contactExternalId);
  const choice = recipientsOf(customer);
  const block = recipientBlock(choice);
  if (!block) return { customer, to: choice.to, why: null };
  return { customer, to: null, why: block === 'unsubscribed' ? `${customer.name} has unsubscribed from emails.` : `${customer.name} has no email address for reminders.` };
}
