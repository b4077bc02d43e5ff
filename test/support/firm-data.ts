/**
 * One firm's worth of rows in every firm table — organisation, customer (with an email address),
 * invoice, write-back, template, policy, pay link, activity, sync run, send, plan, target, rate,
 * checkout, mail — for suites that call every route with real ids (the cross-firm matrix, the fuzz).
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../../server/db/client';
import {
  activities,
  autopayMandates,
  chargeAttempts,
  savedPaymentMethods,
  checkouts,
  commissionPlans,
  commissionStatementLines,
  commissionStatements,
  collectorTasks,
  contacts,
  exchangeRates,
  feePlans,
  feeStatements,
  invitations,
  invoices,
  mailboxMessages,
  replies,
  replyAttachments,
  salespeople,
  memberships,
  organisations,
  payLinks,
  paymentPlans,
  payments,
  practiceLedgers,
  reminderPolicies,
  reminderSends,
  reminderTemplates,
  syncRuns,
  targets,
  users,
  writebacks,
  letterBatches,
  letters,
  billingReviewItems,
  statutoryRates,
  cancellations,
} from '../../server/db/schema';
import { hashToken } from '../../server/pay/link-tokens';

export interface FirmData {
  firmId: string;
  orgId: string;
  tenantId: string;
  contactId: string;
  contactExternalId: string;
  invoiceId: string;
  invoiceExternalId: string;
  writebackId: string;
  templateId: string;
  policyId: string;
  payLinkId: string;
  payToken: string;
  activityId: string;
  followUpId: string;
  syncRunId: string;
  sendId: string;
  planId: string;
  targetId: string;
  rateId: string;
  checkoutId: string;
  checkoutSession: string;
  /** A saved card's setup (sandbox, pending) and its hosted page's reference; a mandate and one charge attempt. */
  savedMethodId: string;
  setupRef: string;
  mandateId: string;
  mailId: string;
  /** A customer's reply waiting for a collector, and its attachment (server/replies/). */
  replyId: string;
  replyAttachmentId: string;
  /** A letter batch with one queued letter (server/letters/, migration 0045). */
  letterBatchId: string;
  /** A salesperson and their draft commission statement (server/commissions/). */
  salespersonId: string;
  /** A billing review item to review (server/billing-review/, migration 0047): approving needs another person to ask first. */
  reviewItemId: string;
  statementId: string;
  /** A synced payment from the customer, on account (the customer page's Payments card, server/returns/). */
  paymentId: string;
  /** A viewer of the firm (the team routes' `:id`) and a pending invitation. */
  memberUserId: string;
  invitationId: string;
  email: string;
  /** Strings that exist only in this firm's rows. */
  secrets: string[];
  /** The debtor's personal data (email address, name): never in a log line. */
  personal: string[];
}

export async function seedFirm(db: Db, firmId: string, label: string): Promise<FirmData> {
  const tag = `${label}${randomUUID().slice(0, 8)}`;
  const tenantId = `tenant-${tag}`;
  const contactExternalId = `contact-${tag}`;
  const invoiceExternalId = `invoice-${tag}`;
  const email = `billing-${tag.toLowerCase()}@debtor.example`;
  const [member] = await db.insert(users).values({ email: `member-${tag.toLowerCase()}@firm.example`, name: `Member ${tag}`, authProvider: 'test', authSubject: `member-${tag}` }).returning();
  await db.insert(memberships).values({ firmId, userId: member!.id, role: 'viewer' });
  const [invitation] = await db.insert(invitations).values({ firmId, email: `invited-${tag.toLowerCase()}@firm.example`, role: 'viewer', tokenHash: randomUUID(), expiresAt: new Date('2030-01-01T00:00:00Z') }).returning();
  const [org] = await db.insert(organisations).values({ firmId, provider: 'xero', externalId: tenantId, name: `Organisation ${tag}`, baseCurrency: 'USD', timezone: 'UTC' }).returning();
  const organisationId = org!.id;
  const [contact] = await db
    .insert(contacts)
    .values({ firmId, organisationId, externalId: contactExternalId, name: `Customer ${tag}`, emails: [{ address: email, primary: true, includeInEmails: true }], isCustomer: true })
    .returning();
  const [invoice] = await db
    .insert(invoices)
    .values({ firmId, organisationId, externalId: invoiceExternalId, number: `INV-${tag}`, contactExternalId, issueDate: '2026-01-05', dueDate: '2026-02-04', currency: 'USD', total: '1200.00', amountDue: '1200.00', status: 'AUTHORISED' })
    .returning();
  const [wb] = await db
    .insert(writebacks)
    .values({ firmId, organisationId, kind: 'note', status: 'awaiting_approval', requestedBy: 'staff', sourceKey: `matrix-${tag}`, invoiceId: invoice!.id, invoiceExternalId, contactExternalId, noteText: `Note ${tag}` })
    .returning();
  const [template] = await db.insert(reminderTemplates).values({ firmId, name: `Template ${tag}`, subject: `Subject ${tag}`, bodyHtml: `<p>Body ${tag}</p>`, bodyText: `Body ${tag}` }).returning();
  const [policy] = await db.insert(reminderPolicies).values({ firmId, scope: 'organisation', scopeKey: `org:${organisationId}`, organisationId, name: `Policy ${tag}`, steps: [] }).returning();
  const payToken = `pl_${randomUUID().replace(/-/g, '')}${randomUUID().replace(/-/g, '').slice(0, 8)}`;
  const [link] = await db.insert(payLinks).values({ firmId, organisationId, scope: 'invoice', invoiceId: invoice!.id, contactExternalId, legacyTokenHash: hashToken(payToken) }).returning();
  const [activity] = await db.insert(activities).values({ firmId, organisationId, actorType: 'system', kind: 'matrix.seed', summary: `Activity ${tag}` }).returning();
  const [followUp] = await db.insert(collectorTasks).values({ firmId, organisationId, contactExternalId, invoiceId: invoice!.id, title: `Follow-up ${tag}`, dueOn: '2026-03-01' }).returning();
  const [run] = await db.insert(syncRuns).values({ firmId, organisationId, kind: 'full', status: 'succeeded' }).returning();
  const [send] = await db
    .insert(reminderSends)
    .values({
      id: randomUUID(),
      firmId,
      organisationId,
      subjectType: 'invoice',
      subjectId: invoiceExternalId,
      stepKey: `step-${tag}`,
      contactExternalId,
      status: 'awaiting_approval',
      plannedFor: '2026-02-10',
      messageId: `<${tag}@arcus.example>`,
      claimedAt: new Date(),
      updatedAt: new Date(),
      recipients: [email],
      invoiceExternalIds: [invoiceExternalId],
      subjectLine: `Reminder ${tag}`,
    })
    .returning();
  const [plan] = await db
    .insert(paymentPlans)
    .values({ firmId, organisationId, contactExternalId, frequency: 'monthly', startDate: '2026-03-01', total: '1200.00', currency: 'USD', invoiceIds: [invoice!.id] })
    .returning();
  const [target] = await db
    .insert(targets)
    .values({ firmId, organisationId, metric: 'dso', baselineValue: '40', baselineDate: '2026-01-01', goalKind: 'absolute', goalValue: '30', dueDate: '2026-12-31' })
    .returning();
  // A firm seeded twice (the worker's shared demo firm, by two test files) keeps one rate for the day.
  const [rate] = await db
    .insert(exchangeRates)
    .values({ firmId, currency: 'GBP', reportingCurrency: 'USD', rateToReporting: '1.2700', asOf: '2026-01-01' })
    .onConflictDoUpdate({ target: [exchangeRates.firmId, exchangeRates.currency, exchangeRates.reportingCurrency, exchangeRates.asOf], set: { rateToReporting: '1.2700' } })
    .returning();
  const checkoutSession = `cs_sandbox_${tag.replace(/[^A-Za-z0-9]/g, '')}`;
  const [checkout] = await db
    .insert(checkouts)
    .values({ firmId, organisationId, payLinkId: link!.id, provider: 'sandbox', providerSessionId: checkoutSession, amount: '1200.00', currency: 'USD' })
    .returning();
  // A synced payment on account from the customer (GET /api/returned-payments/customer/:customerId lists it).
  const [payment] = await db.insert(payments).values({ firmId, organisationId, externalId: `payment-${tag}`, contactExternalId, date: '2026-01-20', currency: 'USD', amount: '75.00', reference: `Payment ${tag}`, status: 'authorised' }).returning();
  const setupRef = `seti_sandbox_${tag.replace(/[^A-Za-z0-9]/g, '')}`;
  const [savedMethod] = await db.insert(savedPaymentMethods).values({ firmId, organisationId, contactExternalId, payLinkId: link!.id, provider: 'sandbox', providerCustomerId: `cus_sandbox_${tag.replace(/[^A-Za-z0-9]/g, '')}`, setupRef, status: 'pending' }).returning();
  const [mandate] = await db.insert(autopayMandates).values({ firmId, organisationId, contactExternalId, scope: 'invoices', status: 'active', startsOn: '2026-01-01' }).returning();
  await db.insert(chargeAttempts).values({ firmId, organisationId, mandateId: mandate!.id, contactExternalId, targetKind: 'invoice', invoiceId: invoice!.id, attemptKey: `invoice:${invoice!.id}:1`, attemptNo: 1, scheduledOn: '2026-02-04', status: 'failed', amount: '1200.00', currency: 'USD', failureCode: 'card_declined' });
  const [mail] = await db.insert(mailboxMessages).values({ firmId, messageId: `${tag}@arcus.example`, subject: `Mail ${tag}`, fromText: 'a@b.example', toText: email, text: `Mail body ${tag}` }).returning();
  const [reply] = await db
    .insert(replies)
    .values({ firmId, organisationId, contactExternalId, contactId: contact!.id, sendId: send!.id, direction: 'in', kind: 'human', matchedBy: 'token', messageId: `reply-${tag}@debtor.example`, fromAddress: email, subject: `Re: ${tag}`, bodyText: `We will pay on the 15th ${tag}`, triage: { label: 'promise', why: ['We will pay'], promiseDate: '2026-12-15', promiseDateWords: 'on the 15th', remittance: null }, status: 'suggested' })
    .returning();
  const [replyFile] = await db.insert(replyAttachments).values({ firmId, replyId: reply!.id, filename: 'remittance.txt', contentType: 'text/plain', size: 4, contentBase64: Buffer.from(tag).toString('base64') }).returning();
  // Letters (server/letters/): a batch for a day with one queued letter, and a corrected statutory rate.
  const [letterBatch] = await db.insert(letterBatches).values({ firmId, organisationId, localDay: '2026-01-20' }).returning();
  await db.insert(letters).values({ firmId, organisationId, batchId: letterBatch!.id, localDay: '2026-01-20', contactExternalId, customerName: `Customer ${tag}`, steps: [{ invoiceExternalId, stepKey: 'lba', stepNumber: 1, stepOffset: 30 }], status: 'queued', content: { from: { name: `Org ${tag}`, addressLines: [] }, to: { name: `Customer ${tag}`, addressLines: ['1 Road', 'Town'], address: { line1: '1 Road', city: 'Town', region: '', postalCode: 'AB1 2CD', country: '' } }, date: '20 January 2026', heading: 'Final notice', paragraphs: [tag], invoices: [], total: '', signOff: '', statement: null } });
  await db.insert(statutoryRates).values({ firmId, jurisdiction: 'uk', effectiveFrom: '2026-02-05', rate: '3.5' }).onConflictDoNothing();
  // Cancellations (server/cancellations/): one confirmed, with its working.
  await db.insert(cancellations).values({ firmId, organisationId, requestId: randomUUID(), contactExternalId, method: 'by_days', serviceStart: '2026-01-01', serviceEnd: '2027-01-01', effectiveDate: '2026-07-01', reason: `Moved away ${tag}`, currency: 'USD', credit: '100.00', allocated: '100.00', leftAsCredit: '0', result: { preview: { creditText: `$100.00 ${tag}` } } });
  const commissionPlan = { baseRate: '0.05', tiers: [], accelerator: null, cap: null, holdback: null };
  const [salesperson] = await db.insert(salespeople).values({ firmId, organisationId, name: `Seller ${tag}`, email: `seller-${tag.toLowerCase()}@client.example` }).returning();
  const [reviewItem] = await db.insert(billingReviewItems).values({ firmId, organisationId, invoiceId: invoice!.id, invoiceExternalId, status: 'to_review', findings: [{ check: 'no_email', text: `Finding ${tag}` }] }).returning();
  await db.insert(commissionPlans).values({ firmId, salespersonId: salesperson!.id, organisationId, plan: commissionPlan });
  const [statement] = await db.insert(commissionStatements).values({ firmId, organisationId, salespersonId: salesperson!.id, month: '2026-01', currency: 'USD', plan: commissionPlan, total: '60.00' }).returning();
  await db.insert(commissionStatementLines).values({ firmId, organisationId, statementId: statement!.id, lineNo: 1, kind: 'commission', sourceKey: `pay:${tag}`, invoiceExternalId, invoiceNumber: `INV-${tag}`, date: '2026-01-20', base: '1200.00', commission: '60.00', payable: '60.00' });
  // Service fees (server/fees/): the organisation is also the firm's practice ledger; a plan and a draft January fee.
  await db.insert(practiceLedgers).values({ firmId, organisationId }).onConflictDoNothing();
  await db.insert(feePlans).values({ firmId, organisationId, plan: { components: [{ type: 'fixed', amount: '100.00' }] }, currency: 'USD', ledgerContactExternalId: contactExternalId, ledgerContactName: `Customer ${tag}` });
  await db.insert(feeStatements).values({ firmId, organisationId, period: '2026-01', currency: 'USD', amount: 10000, working: [{ label: 'Monthly fee', detail: 'A fixed 100.00 USD a month.', amount: 10000 }], facts: {}, status: 'draft' });
  return {
    firmId,
    orgId: organisationId,
    tenantId,
    contactId: contact!.id,
    contactExternalId,
    invoiceId: invoice!.id,
    invoiceExternalId,
    writebackId: wb!.id,
    templateId: template!.id,
    policyId: policy!.id,
    payLinkId: link!.id,
    payToken,
    activityId: activity!.id,
    followUpId: followUp!.id,
    syncRunId: run!.id,
    sendId: send!.id,
    planId: plan!.id,
    letterBatchId: letterBatch!.id,
    targetId: target!.id,
    rateId: rate!.id,
    checkoutId: checkout!.id,
    checkoutSession,
    savedMethodId: savedMethod!.id,
    setupRef,
    mandateId: mandate!.id,
    mailId: mail!.id,
    reviewItemId: reviewItem!.id,
    replyId: reply!.id,
    replyAttachmentId: replyFile!.id,
    salespersonId: salesperson!.id,
    statementId: statement!.id,
    paymentId: payment!.id,
    memberUserId: member!.id,
    invitationId: invitation!.id,
    email,
    secrets: [tag, tenantId, contactExternalId, invoiceExternalId],
    personal: [email, `Customer ${tag}`],
  };
}


/** `:id` means the row of the collection named just before it. */
export function idFor(collection: string, b: FirmData): string | undefined {
  const map: Record<string, string> = {
    organisations: b.orgId,
    customers: b.contactId,
    writebacks: b.writebackId,
    templates: b.templateId,
    policies: b.policyId,
    sends: b.sendId,
    plans: b.planId,
    targets: b.targetId,
    'exchange-rates': b.rateId,
    mailbox: b.mailId,
    activities: b.activityId,
    'follow-ups': b.followUpId,
    runs: b.syncRunId,
    'pay-links': b.payLinkId,
    members: b.memberUserId,
    invitations: b.invitationId,
    invoices: b.invoiceId,
    batches: b.letterBatchId,
    // A client contact's decision on a write-back (or a reminder) waiting for the client.
    approvals: b.writebackId,
    // Tasks are the follow-ups' table (collector_tasks).
    tasks: b.followUpId,
    replies: b.replyId,
    'billing-review': b.reviewItemId,
    'reply-attachments': b.replyAttachmentId,
    // Sales commissions: a salesperson, a statement (staff read; the client contact approves).
    people: b.salespersonId,
    'commission-statements': b.statementId,
    commissions: b.statementId,
  };
  return map[collection];
}

