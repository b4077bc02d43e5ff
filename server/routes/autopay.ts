/**
 * Autopay on the customer page (issue #19; server/autopay/, docs/decisions/049), under /api:
 *
 *   GET  /customers/:id/autopay                    firm.read   saved cards, mandates and charge attempts, in words
 *   POST /customers/:id/autopay/cancel { mandateId }  collect   turn the customer's autopay off
 *
 * The debtor's side (save a card, autopay on/off) is on the pay page (server/routes/pay.ts).
 */
import { Router } from 'express';
import { z } from 'zod';
import { notFound } from '../../kernel/errors';
import { allow, seesOrganisation } from '../auth/permissions';
import { CancelAutopaySchema, cancelMandate, customerAutopay } from '../autopay/view';
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
  return r;
}
