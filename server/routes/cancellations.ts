/**
 * Cancellations (issue #19; server/cancellations/, docs/decisions/048), under /api:
 *
 *   GET  /cancellations/invoices?organisationId=&customerId=   firm.read         what the customer can cancel: invoices, lines, a period read from them, the firm's schedule
 *   GET  /cancellations?organisationId=&customerId=            firm.read         the customer's cancellations, in words
 *   POST /cancellations/preview { organisationId, customerId, invoices, serviceStart, serviceEnd, effectiveDate, method, reason }   collect   what it would credit and stop (writes nothing)
 *   POST /cancellations { …the same, requestId }               collect           confirm: once per request id
 *   GET  /cancellations/schedule                                firm.read         the fixed schedule
 *   PUT  /cancellations/schedule { schedule }                   settings.manage   change it
 */
import { Router } from 'express';
import { z } from 'zod';
import { allow } from '../auth/permissions';
import { CancelInputSchema, ConfirmCancelSchema, ScheduleSchema, cancellableInvoices, confirmCancellation, getSchedule, listCancellations, previewCancellation, scheduleWords, setSchedule } from '../cancellations/service';
import type { Db } from '../db/client';
import { parseInput } from '../http/validate';
import type { QueuePort } from '../queue';
import type { MailServices } from '../services';
import { requestDeps } from '../writebacks/enqueue';

const CustomerQuery = z.object({ organisationId: z.uuid({ message: 'Choose a client.' }), customerId: z.uuid({ message: 'Choose a customer.' }) }).strict();
const LABELS = { organisationId: 'client', customerId: 'customer', invoices: 'invoices', serviceStart: 'service start', serviceEnd: 'service end', effectiveDate: 'cancellation date', method: 'method', reason: 'reason', requestId: 'request' };

export function cancellationRoutes(deps: { db: Db; queue: QueuePort; mail: MailServices | null; now: () => Date }): Router {
  const r = Router();
  const mail = deps.mail ? { mailer: deps.mail.mailer, mailFrom: deps.mail.from, embedded: deps.mail.embedded } : null;

  r.get('/cancellations/invoices', async (req, res) => {
    const auth = allow(req, 'firm.read');
    const q = parseInput(CustomerQuery, req.query, LABELS);
    res.json(await cancellableInvoices(deps.db, auth.firmId, q.organisationId, q.customerId));
  });

  r.get('/cancellations/schedule', async (req, res) => {
    const auth = allow(req, 'firm.read');
    const schedule = await getSchedule(deps.db, auth.firmId);
    res.json({ schedule, scheduleText: scheduleWords(schedule) });
  });

  r.put('/cancellations/schedule', async (req, res) => {
    const auth = allow(req, 'settings.manage');
    const { schedule } = parseInput(z.object({ schedule: ScheduleSchema }).strict(), req.body, { schedule: 'schedule' });
    const saved = await setSchedule(deps.db, auth.firmId, schedule);
    res.json({ schedule: saved, scheduleText: scheduleWords(saved) });
  });

  r.get('/cancellations', async (req, res) => {
    const auth = allow(req, 'firm.read');
    const q = parseInput(CustomerQuery, req.query, LABELS);
    res.json({ cancellations: await listCancellations(deps.db, auth.firmId, q.organisationId, q.customerId) });
  });

  r.post('/cancellations/preview', async (req, res) => {
    const auth = allow(req, 'collect');
    const input = parseInput(CancelInputSchema, req.body, LABELS);
    res.json({ preview: await previewCancellation(deps.db, auth.firmId, input, deps.now()) });
  });

  r.post('/cancellations', async (req, res) => {
    const auth = allow(req, 'collect');
    const input = parseInput(ConfirmCancelSchema, req.body, LABELS);
    const rd = requestDeps({ db: deps.db, queue: deps.queue, now: deps.now });
    const out = await confirmCancellation({ db: deps.db, enqueueExecute: rd.enqueueExecute, now: deps.now, mail }, auth, input);
    res.status(out.created ? 201 : 200).json({
      cancellation: out,
      message: out.created ? 'The service is cancelled: the credit is being written to the ledger.' : 'This cancellation was already confirmed.',
    });
  });

  return r;
}
