/**
 * "Send link": a collector emails a customer their pay link (one invoice, or the statement of
 * all their open invoices) to the customer's reminder recipients, honouring unsubscribes. Once
 * per request: the form's `requestKey` is the activity's id (inserted before sending, given back
 * when the mail server only deferred) and the Message-ID, so a double submit sends one email.
 * The activity is a `reminder.sent`, so the worklist counts the customer as reminded.
 */
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { notFound, unavailable, unprocessable } from '../../kernel/errors';
import type { Db } from '../db/client';
import { activities, invoices, users } from '../db/schema';
import { mailDomain } from '../reminders/deps';
import { loadCustomerState, loadOrgWithSettings } from '../reminders/load';
import { type OneOffMail, sendCustomerEmail } from '../reminders/one-off';
import { recipientBlock, recipientsOf } from '../reminders/plan';
import { maskList } from '../reminders/recipients';
import { formatMoney, minorOf } from '../reminders/render';
import { REMINDER_SENT } from '../scoring/in-motion';
import { ensurePayLink, ensureStatementLink, type LinkOptions } from './links';
import { maskPayTokens } from './url-at-rest';

export const SendLinkSchema = z
  .object({
    organisationId: z.uuid(),
    contactExternalId: z.string().min(1).max(200),
    /** One invoice; absent = the customer's statement link. */
    invoiceId: z.uuid().optional(),
    note: z.string().trim().max(1000).optional(),
    requestKey: z.uuid({ message: 'This form is out of date. Close it and open it again.' }),
  })
  .strict();

export interface SendLinkDeps {
  /** The process clock (the worklist reads recent contact against it). */
  now?: () => Date;
  db: Db;
  mail: OneOffMail | null;
  link: LinkOptions;
}

export async function sendPayLink(deps: SendLinkDeps, auth: { firmId: string; userId: string }, input: z.infer<typeof SendLinkSchema>): Promise<{ sent: boolean; to: string; url: string }> {
  if (!deps.mail) throw unavailable('Email is not set up on this server, so nothing was sent. Copy the link instead.', 'no_mail');
  const org = await loadOrgWithSettings(deps.db, input.organisationId);
  if (!org || org.firmId !== auth.firmId) throw notFound('No such organisation in this firm.');
  let invoice: { id: string; number: string; amountDue: string; currency: string } | null = null;
  if (input.invoiceId) {
    const [row] = await deps.db
      .select({ id: invoices.id, number: invoices.number, amountDue: invoices.amountDue, currency: invoices.currency })
      .from(invoices)
      .where(and(eq(invoices.id, input.invoiceId), eq(invoices.firmId, auth.firmId), eq(invoices.organisationId, org.id), eq(invoices.contactExternalId, input.contactExternalId)));
    if (!row) throw notFound('No such invoice for this customer.');
    invoice = row;
  }
  const link = invoice ? await ensurePayLink(deps.db, { firmId: auth.firmId, organisationId: org.id, invoiceId: invoice.id }, deps.link) : await ensureStatementLink(deps.db, { firmId: auth.firmId, organisationId: org.id, contactExternalId: input.contactExternalId }, deps.link);
  const customer = await loadCustomerState(deps.db, org, input.contactExternalId);
  const choice = recipientsOf(customer);
  const block = recipientBlock(choice);
  if (block) throw unprocessable(block === 'unsubscribed' ? `${customer.name} has unsubscribed from emails.` : `${customer.name} has no email address for reminders; copy the link instead.`, block);

  const to = maskList(choice.to);
  const [user] = await deps.db.select({ name: users.name }).from(users).where(eq(users.id, auth.userId));
  // The claim: one activity per request key. A repeat finds it and sends nothing.
  const claimed = await deps.db
    .insert(activities)
    .values({
      id: input.requestKey,
      firmId: auth.firmId,
      organisationId: org.id,
      actorUserId: auth.userId,
      actorType: 'user',
      kind: REMINDER_SENT,
      contactId: customer.contactId,
      invoiceId: invoice?.id ?? null,
      summary: `Pay link${invoice ? ` for ${invoice.number}` : ''} emailed to ${to}`,
      details: { contactExternalId: input.contactExternalId, source: 'pay_link', url: maskPayTokens(link.url) },
      createdAt: deps.now?.() ?? new Date(),
    })
    .onConflictDoNothing()
    .returning({ id: activities.id });
  if (claimed.length === 0) return { sent: false, to, url: link.url };

  const what = invoice ? `invoice ${invoice.number} (${formatMoney(minorOf(invoice.amountDue, invoice.currency), invoice.currency, org.countryCode)} due)` : 'your open invoices';
  const lines = [
    customer.firstName ? `Dear ${customer.firstName},` : `Dear ${customer.name},`,
    '',
    ...(input.note ? [input.note, ''] : []),
    `You can pay ${what} online here: ${link.url}`,
    '',
    'On the same page you can tell us when you will pay, or let us know if something is wrong.',
    '',
    org.settings.signature || (user ? `${user.name}, for ${org.name}` : org.name),
  ];
  const outcome = await sendCustomerEmail(deps.mail, {
    firmId: auth.firmId,
    org,
    to: choice.to,
    messageId: `<paylink.${input.requestKey}@${mailDomain(deps.mail.mailFrom)}>`,
    subject: invoice ? `Pay invoice ${invoice.number} online — ${org.name}` : `Your statement from ${org.name} — pay online`,
    lines,
  });
  if (!outcome.sent) {
    // Deferred or refused: nothing went out, so the claim is given back and the collector may try again.
    await deps.db.delete(activities).where(and(eq(activities.id, input.requestKey), eq(activities.firmId, auth.firmId)));
    throw outcome.kind === 'temporary' ? unavailable('The mail server is busy; nothing was sent. Try again in a minute.', 'mail_failed') : unprocessable('The mail server refused the message; nothing was sent.', 'mail_failed');
  }
  return { sent: true, to, url: link.url };
}
