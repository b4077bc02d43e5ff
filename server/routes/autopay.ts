/**
 * Autopay on the customer page (issue #19; server/autopay/, docs/decisions/049), under /api:
 *
 *   GET  /customers/:id/autopay                    firm.read   saved cards, mandates and charge attempts, in words
 *   POST /customers/:id/autopay/cancel { mandateId }  collect   turn the customer's autopay off
 *   POST /customers/:id/autopay/pause { mandateId }   collect   pause it: no charge, no retry, until resumed (decision 056)
 *   POST /customers/:id/autopay/resume { mandateId }  collect   turn a paused one back on: waiting retries carry on, or give up cleanly past 30 days
 *   GET  /autopay/retry-schedule                      firm.read        the firm's declined-card retry days, in words
 *   PUT  /autopay/retry-schedule { retryDays }        settings.manage  1 to 5 increasing days, at most 30
 *
 * The debtor's side (save a card, autopay on/off) is on the pay page (server/routes/pay.ts).
 */
import { and, eq } from 'drizzle-orm';
import { Router } from 'express';
import { z } from 'zod';
import { notFound } from '../../kernel/errors';
import { allow, seesOrganisation } from '../auth/permissions';
import { MandateActionSchema, pauseMandate, resumeMandate } from '../autopay/pause';
import { retryScheduleView, setRetrySchedule } from '../autopay/settings';
import { CancelAutopaySchema, cancelMandate, customerAutopay } from '../autopay/view';
import { organisations } from '../db/schema';
import type { Db } from '../db/client';
import { parseInput } from '../http/validate';
import { getContact } from '../analytics/organisations';

const IdSchema = z.object({ id: z.uuid({ message: 'This customer does not exist. Reload the page and try again.' }) });

export function autopayRoutes(deps: { db: Db; now: () => Date }): Router {
  const r = Router();
  r.get('/customers/:id/autopay', async (req, res) => {
    const auth = allow(req, 'firm.read');
    const { id } = parseInput(IdSchema, req.params);
    const contact = await getContact(deps.db, auth.firmId, id);
    if (!contact || !seesOrganisation(auth, contact.organisationId)) throw notFound('No such customer.');
    res.json(await customerAutopay(deps.db, auth.firmId, contact.organisationId, contact.externalId, deps.now()));
  });

  r.post('/customers/:id/autopay/cancel', async (req, res) => {
    const auth = allow(req, 'collect');
    const { id } = parseInput(IdSchema, req.params);
    const { mandateId } = parseInput(CancelAutopaySchema, req.body ?? {}, { mandateId: 'autopay' });
    const contact = await getContact(deps.db, auth.firmId, id);
    if (!contact || !seesOrganisation(auth, contact.organisationId)) throw notFound('No such customer.');
    const done = await cancelMandate(deps.db, auth, contact, mandateId, deps.now());
    res.json({ cancelled: done, message: done ? 'Autopay is off for this customer. Planned charges will not be made.' : 'Autopay was already off.' });
  });

  r.post('/customers/:id/autopay/pause', async (req, res) => {
    const auth = allow(req, 'collect');
    const { id } = parseInput(IdSchema, req.params);
    const { mandateId } = parseInput(MandateActionSchema, req.body ?? {}, { mandateId: 'autopay' });
    const contact = await getContact(deps.db, auth.firmId, id);
    if (!contact || !seesOrganisation(auth, contact.organisationId)) throw notFound('No such customer.');
    const done = await pauseMandate(deps.db, { firmId: auth.firmId, organisationId: contact.organisationId, contactExternalId: contact.externalId }, mandateId, { kind: 'collector', userId: auth.userId }, deps.now());
    res.json({ paused: done, message: done ? 'Autopay is paused for this customer: no card payment is taken, and failed payments are not retried, until it is turned back on.' : 'Autopay was not on, so nothing was paused.' });
  });

  r.post('/customers/:id/autopay/resume', async (req, res) => {
    const auth = allow(req, 'collect');
    const { id } = parseInput(IdSchema, req.params);
    const { mandateId } = parseInput(MandateActionSchema, req.body ?? {}, { mandateId: 'autopay' });
    const contact = await getContact(deps.db, auth.firmId, id);
    if (!contact || !seesOrganisation(auth, contact.organisationId)) throw notFound('No such customer.');
    const [org] = await deps.db.select({ timezone: organisations.timezone }).from(organisations).where(and(eq(organisations.id, contact.organisationId), eq(organisations.firmId, auth.firmId)));
    if (!org) throw notFound('No such customer.');
    const out = await resumeMandate(deps.db, { firmId: auth.firmId, organisationId: contact.organisationId, contactExternalId: contact.externalId, timezone: org.timezone }, mandateId, { kind: 'collector', userId: auth.userId }, deps.now());
    const message = !out.resumed
      ? 'Autopay was not paused, so nothing changed.'
      : out.gaveUp > 0 && out.kept + out.moved === 0
        ? 'Autopay is back on for new payments. The failed payment is no longer retried: its first failure was more than 30 days ago, so it is left to reminders and the pay link.'
        : out.kept + out.moved > 0
          ? 'Autopay is back on, and the failed payment will be tried again on its schedule.'
          : 'Autopay is back on.';
    res.json({ ...out, message });
  });

  r.get('/autopay/retry-schedule', async (req, res) => {
    const auth = allow(req, 'firm.read');
    res.json(await retryScheduleView(deps.db, auth.firmId));
  });

  r.put('/autopay/retry-schedule', async (req, res) => {
    const auth = allow(req, 'settings.manage');
    res.json(await setRetrySchedule(deps.db, auth.firmId, req.body));
  });
  return r;
}
