/**
 * A credit note a collector issues on an invoice: goodwill/forgiveness, a cancellation (full, a
 * chosen amount, or prorated for service not delivered), an early-payment discount given by
 * hand, or a fee reversal. It becomes one `credit_note` write-back allocated to the invoice,
 * never more than the invoice still owes. `requestKey` (the form's id) makes a double submit
 * one credit.
 */
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db/client';
import { contacts, invoices, organisations, users } from '../db/schema';
import { isCalendarDate, todayIn } from '../../kernel/dates';
import { fromMinor } from '../../kernel/money';
import { notFound, unprocessable } from '../../kernel/errors';
import { type RequestDeps, type RequestResult, requestWriteback } from './request';
import { creditAmount } from './rules';
import { AmountSchema } from './types';

const Day = z.string().refine(isCalendarDate, { message: 'Enter a date.' });

export const CREDIT_PURPOSES = ['goodwill', 'cancellation', 'early_payment_discount', 'fee_reversal'] as const;
export type CreditPurpose = (typeof CREDIT_PURPOSES)[number];
const PURPOSE_LABEL: Record<(typeof CREDIT_PURPOSES)[number], string> = {
  goodwill: 'Goodwill credit',
  cancellation: 'Cancellation credit',
  early_payment_discount: 'Early-payment discount',
  fee_reversal: 'Fee reversal',
};

export const CreditInputSchema = z
  .object({
    organisationId: z.uuid(),
    invoiceId: z.uuid(),
    purpose: z.enum(CREDIT_PURPOSES),
    /** Exactly one of: the whole amount due, an amount, or a prorated cancellation. */
    full: z.literal(true).optional(),
    amount: AmountSchema.optional(),
    proration: z.object({ serviceStart: Day, serviceEnd: Day, cancelFrom: Day }).strict().optional(),
    reason: z.string().trim().min(1, { message: 'Say why: it goes on the note in the ledger.' }).max(200),
    requestKey: z.uuid().optional(),
  })
  .strict()
  .refine((v) => [v.full, v.amount, v.proration].filter((x) => x !== undefined).length === 1, { message: 'Choose how much to credit: the full amount due, an amount, or a service period.', path: ['amount'] });
export type CreditInput = z.infer<typeof CreditInputSchema>;

/** An invoice's ledger status as words for a sentence ("is paid", "is cancelled"). */
function invoiceStatusWords(status: string): string {
  const words: Record<string, string> = { paid: 'paid', voided: 'cancelled', deleted: 'deleted', draft: 'a draft', submitted: 'awaiting approval in the ledger' };
  return words[status] ?? 'not open';
}

async function loadInvoice(db: Db, firmId: string, organisationId: string, invoiceId: string) {
  const [row] = await db
    .select({ inv: invoices, orgTz: organisations.timezone, contactId: contacts.id })
    .from(invoices)
    .innerJoin(organisations, and(eq(organisations.id, invoices.organisationId), eq(organisations.firmId, firmId)))
    .leftJoin(contacts, and(eq(contacts.organisationId, invoices.organisationId), eq(contacts.externalId, invoices.contactExternalId)))
    .where(and(eq(invoices.id, invoiceId), eq(invoices.organisationId, organisationId), eq(invoices.firmId, firmId)));
  if (!row) throw notFound('No such invoice in this firm.');
  return row;
}


export async function issueCredit(deps: RequestDeps, firmId: string, userId: string, input: CreditInput): Promise<RequestResult & { amount: string }> {
  const { inv, orgTz, contactId } = await loadInvoice(deps.db, firmId, input.organisationId, input.invoiceId);
  if (inv.status !== 'authorised') throw unprocessable(`Invoice ${inv.number || 'this invoice'} is ${invoiceStatusWords(inv.status)}; only an open invoice can be credited.`, 'invoice_not_open');
  const amount = fromMinor(creditAmount(input, inv));
  const [user] = await deps.db.select({ name: users.name }).from(users).where(eq(users.id, userId));
  const label = PURPOSE_LABEL[input.purpose];
  const number = inv.number || inv.externalId;
  return {
    amount,
    ...(await requestWriteback(deps, {
      firmId,
      organisationId: inv.organisationId,
      kind: 'credit_note',
      purpose: input.purpose,
      sourceKey: input.requestKey ? `credit:${input.requestKey}` : null,
      invoiceId: inv.id,
      invoiceExternalId: inv.externalId,
      contactId,
      contactExternalId: inv.contactExternalId,
      amount,
      currency: inv.currency,
      request: {
        contactExternalId: inv.contactExternalId,
        date: todayIn(orgTz, deps.now?.() ?? new Date()),
        reference: `${label} on ${number}`.slice(0, 255),
        currency: inv.currency,
        lines: [{ description: `${label} on ${number}: ${input.reason}`.slice(0, 400), amount }],
        allocateTo: { invoiceExternalId: inv.externalId, amount },
      },
      noteText: `Arcus: ${label.toLowerCase()} of ${inv.currency} ${amount} (${input.reason})${user ? ` by ${user.name}` : ''}`,
      requestedBy: 'user',
      userId,
      summary: `${label} of ${inv.currency} ${amount} on ${number}`,
    })),
  };
}
