/**
 * Letters API (issue #20, docs/decisions/042; server/letters/), firm-scoped:
 *
 *   POST /letters/collect { organisationId }        collect   letters due today into today's batch → the batch
 *   GET  /letters/batches?organisationId            firm.read the organisation's recent batches
 *   GET  /letters/batches/:id                       firm.read one batch with its letters (blocked ones with the reason)
 *   GET  /letters/batches/:id/pdf                   firm.read every letter of the batch, statements attached, as one PDF
 *   GET  /letters/batches/:id/addresses.csv         firm.read the addresses, one row per letter
 *   POST /letters/batches/:id/confirm               collect   the batch went in the post: each letter sent once
 */
import { Router } from 'express';
import { z } from 'zod';
import type { Clock } from '../../kernel/clock';
import { sendCsv } from '../analytics/csv';
import { allow } from '../auth/permissions';
import type { Db } from '../db/client';
import { parseInput } from '../http/validate';
import { ADDRESS_COLUMNS, type AddressRow } from '../letters/core';
import { renderLetterBatchPdf } from '../letters/pdf';
import { batchLetters, batchView, collectLetters, confirmPosted, listBatches } from '../letters/service';

const Id = z.object({ id: z.uuid({ message: 'This letter batch does not exist. Reload and try again.' }) });
const Org = z.object({ organisationId: z.uuid({ message: 'Choose an organisation.' }) }).strict();

export function letterRoutes(deps: { db: Db; clock: Clock }): Router {
  const r = Router();
  const letterDeps = { db: deps.db, now: () => deps.clock.now() };

  r.post('/letters/collect', async (req, res) => {
    const auth = allow(req, 'collect');
    const body = parseInput(Org, req.body ?? {});
    res.json({ batch: await collectLetters(letterDeps, auth.firmId, body.organisationId) });
  });

  r.get('/letters/batches', async (req, res) => {
    const auth = allow(req, 'firm.read');
    const q = parseInput(Org, req.query);
    res.json({ batches: await listBatches(deps.db, auth.firmId, q.organisationId) });
  });

  r.get('/letters/batches/:id', async (req, res) => {
    const auth = allow(req, 'firm.read');
    const { id } = parseInput(Id, req.params);
    res.json({ batch: await batchView(deps.db, auth.firmId, id) });
  });

  r.get('/letters/batches/:id/pdf', async (req, res) => {
    const auth = allow(req, 'firm.read');
    const { id } = parseInput(Id, req.params);
    const { batch, contents, logo } = await batchLetters(deps.db, auth.firmId, id);
    const pdf = await renderLetterBatchPdf(contents, logo, `Letters, ${batch.dayText}`);
    res.setHeader('content-type', 'application/pdf');
    res.setHeader('content-disposition', `attachment; filename="letters-${batch.day}.pdf"`);
    res.setHeader('cache-control', 'no-store');
    res.send(pdf);
  });

  r.get('/letters/batches/:id/addresses.csv', async (req, res) => {
    const auth = allow(req, 'firm.read');
    const { id } = parseInput(Id, req.params);
    const { batch, contents } = await batchLetters(deps.db, auth.firmId, id);
    const rows: AddressRow[] = contents.map((c) => ({ customer: c.to.name, address: c.to.address }));
    sendCsv(res, `letter-addresses-${batch.day}`, ADDRESS_COLUMNS, rows);
  });

  r.post('/letters/batches/:id/confirm', async (req, res) => {
    const auth = allow(req, 'collect');
    const { id } = parseInput(Id, req.params);
    res.json(await confirmPosted(letterDeps, auth.firmId, id, auth.userId));
  });

  return r;
}
