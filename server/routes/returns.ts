/**
 * Returned payments and chargebacks (issue #19; server/returns/, docs/decisions/046), under /api:
 *
 *   GET  /returned-payments?organisationId=            firm.read         returned payments and chargebacks, in words
 *   POST /returned-payments { organisationId, paymentId, reason, chargeFee? }   collect   mark a synced payment returned (once)
 *   GET  /returned-payments/customer/:customerId        firm.read         the customer's synced payments, in words, and whether each can be marked returned
 *   GET  /returned-payments/policy                      firm.read         the returned-payment (NSF) fee policy
 *   PUT  /returned-payments/policy { enabled?, amount?, percent?, cap?, countries?, post?, accountCode? }   settings.manage
 *
 * Stripe's charge.failed and charge.dispute.* events arrive on the signed `/webhooks/stripe` (server/routes/pay.ts).
 */
import { Router } from 'express';
import { z } from 'zod';
import { allow } from '../auth/permissions';
import type { Db } from '../db/client';
import { parseInput } from '../http/validate';
import type { QueuePort } from '../queue';
import { ReturnedFeePolicyPatchSchema, getReturnedFeePolicy, updateReturnedFeePolicy } from '../returns/policy';
import { customerPayments, MarkReturnedSchema, listReturns, markReturned } from '../returns/service';
import type { MailServices } from '../services';
import { requestDeps } from '../writebacks/enqueue';

const CustomerParams = z.object({ customerId: z.uuid({ message: 'Choose the customer again: this one does not exist.' }) });
const ListQuery = z.object({ organisationId: z.uuid({ message: 'Choose an organisation.' }).optional() }).strict();

export function returnRoutes(deps: { db: Db; queue: QueuePort; mail: MailServices | null; now: () => Date }): Router {
  const r = Router();
  const mail = deps.mail ? { mailer: deps.mail.mailer, mailFrom: deps.mail.from, embedded: deps.mail.embedded } : null;

  r.get('/returned-payments/policy', async (req, res) => {
    const auth = allow(req, 'firm.read');
    res.json({ policy: await getReturnedFeePolicy(deps.db, auth.firmId) });
  });

  r.put('/returned-payments/policy', async (req, res) => {
    const auth = allow(req, 'settings.manage');
    const patch = parseInput(ReturnedFeePolicyPatchSchema, req.body, { enabled: 'fee', amount: 'amount', percent: 'percentage', cap: 'cap', countries: 'countries', post: 'how to post', accountCode: 'account' });
    res.json({ policy: await updateReturnedFeePolicy(deps.db, auth.firmId, patch) });
  });

  r.get('/returned-payments/customer/:customerId', async (req, res) => {
    const auth = allow(req, 'firm.read');
    const { customerId } = parseInput(CustomerParams, req.params, { customerId: 'customer' });
    res.json(await customerPayments(deps.db, auth.firmId, customerId));
  });

  r.get('/returned-payments', async (req, res) => {
    const auth = allow(req, 'firm.read');
    const { organisationId } = parseInput(ListQuery, req.query, { organisationId: 'organisation' });
    res.json({ returnedPayments: await listReturns(deps.db, auth.firmId, organisationId ?? null) });
  });

  r.post('/returned-payments', async (req, res) => {
    const auth = allow(req, 'collect');
    const input = parseInput(MarkReturnedSchema, req.body, { organisationId: 'organisation', paymentId: 'payment', reason: 'reason', chargeFee: 'fee' });
    const rd = requestDeps({ db: deps.db, queue: deps.queue, now: deps.now });
    const { view, created } = await markReturned({ db: deps.db, enqueueExecute: rd.enqueueExecute, now: deps.now, mail }, auth, input);
    res.status(created ? 201 : 200).json({ returnedPayment: view, message: created ? 'The payment is being reversed in the ledger and the customer has been told.' : 'This payment was already marked as returned.' });
  });

  return r;
}
