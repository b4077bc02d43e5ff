/**
 * The firm's connected organisations (under /api, firm-scoped in every query):
 *
 *   GET    /organisations               viewer+   list with status, last/next sync, latest run
 *   GET    /organisations/:id           viewer+
 *   GET    /organisations/:id/sync-runs viewer+   the sync log: runs newest first, ?page=N (20 a page), errors in words
 *   POST   /organisations/:id/sync      collector+  "Sync now" ({ full: true } for a full sync)
 *   POST   /organisations/:id/disconnect admin     revoke at the provider, keep synced history
 *   DELETE /organisations/:id/data      admin     { confirm: <organisation name> }: delete synced documents
 *   PATCH  /organisations/:id           admin     { timezone: IANA zone }
 */
import { and, eq } from 'drizzle-orm';
import { type Request, Router } from 'express';
import { z } from 'zod';
import { nextNightlyRun } from '../sync/nightly';
import { isTimeZone } from '../../kernel/dates';
import { allow, allowOrganisation, seesOrganisation } from '../auth/permissions';
import type { ConnectionDeps } from '../connections/deps';
import { deleteSyncedData, disconnectOrganisation } from '../connections/disconnect';
import { listOrganisations, type OrganisationView } from '../connections/list';
import { syncLog } from '../connections/sync-log';
import { activities, organisations } from '../db/schema';
import { conflict, invalidField, notFound } from '../../kernel/errors';
import { parseInput } from '../http/validate';

const IdParam = z.object({ id: z.string().uuid() });
const SyncLogQuery = z.object({ page: z.coerce.number().int().min(1).max(10_000).default(1) });
const SyncBody = z.object({ full: z.boolean().optional() }).strict();
const DeleteDataBody = z.object({ confirm: z.string().min(1, 'Type the organisation’s name to confirm.').max(500) });
const PatchBody = z
  .object({
    timezone: z.string().refine(isTimeZone, { message: 'Choose a time zone from the list, such as Europe/London.' }),
  })
  .strict();

export function connectionRoutes(deps: ConnectionDeps): Router {
  const r = Router();

  const find = async (req: Request): Promise<OrganisationView> => {
    const auth = allow(req, 'organisation.read');
    const params = IdParam.safeParse(req.params);
    if (params.success) allowOrganisation(auth, params.data.id);
    const [org] = params.success ? await listOrganisations(deps.db, auth.firmId, params.data.id) : [];
    if (!org) throw notFound('No such organisation.');
    return org;
  };

  r.get('/organisations', async (req, res) => {
    const auth = allow(req, 'organisation.read');
    res.json({ organisations: (await listOrganisations(deps.db, auth.firmId)).filter((o) => seesOrganisation(auth, o.id)) });
  });

  r.get('/organisations/:id', async (req, res) => {
    res.json({ organisation: await find(req) });
  });

  r.get('/organisations/:id/sync-runs', async (req, res) => {
    const auth = allow(req, 'organisation.read');
    const org = await find(req);
    const { page } = parseInput(SyncLogQuery, req.query ?? {});
    res.json(await syncLog(deps.db, { id: org.id, firmId: auth.firmId, provider: org.provider }, page));
  });

  r.post('/organisations/:id/sync', async (req, res) => {
    const auth = allow(req, 'collect');
    const org = await find(req);
    const body = parseInput(SyncBody, req.body ?? {});
    if (org.status !== 'active') throw conflict(org.status === 'needs_reauth' ? 'Reconnect this organisation before syncing it.' : 'This organisation is disconnected. Reconnect it to sync.', 'not_connected');
    const kind = body.full ? 'full' : 'incremental';
    await deps.requestSync(org.id, kind);
    await deps.db.insert(activities).values({ firmId: auth.firmId, organisationId: org.id, actorUserId: auth.userId, actorType: 'user', kind: 'sync.requested', summary: `Asked for a ${kind} sync of ${org.name}` });
    const [fresh] = await listOrganisations(deps.db, auth.firmId, org.id);
    res.status(202).json({ organisation: fresh });
  });

  r.post('/organisations/:id/disconnect', async (req, res) => {
    const auth = allow(req, 'organisations.manage');
    const org = await find(req);
    if (org.status === 'disconnected' && org.connectionStatus !== 'active') {
      res.json({ organisation: org, revokedAtProvider: false, warnings: [] });
      return;
    }
    const result = await disconnectOrganisation(deps, { firmId: auth.firmId, organisationId: org.id, userId: auth.userId, userName: auth.userName });
    const [fresh] = await listOrganisations(deps.db, auth.firmId, org.id);
    res.json({ organisation: fresh, ...result });
  });

  r.delete('/organisations/:id/data', async (req, res) => {
    const auth = allow(req, 'organisations.manage');
    const org = await find(req);
    const body = parseInput(DeleteDataBody, req.body ?? {});
    if (org.status !== 'disconnected') throw conflict('Disconnect the organisation before deleting its synced data.', 'still_connected');
    if (body.confirm.trim() !== org.name.trim()) throw invalidField('confirm', `Type “${org.name}” exactly to confirm.`, 'confirmation_mismatch');
    await deleteSyncedData(deps.db, { firmId: auth.firmId, organisationId: org.id, userId: auth.userId, name: org.name, userName: auth.userName, now: deps.now?.() });
    const [fresh] = await listOrganisations(deps.db, auth.firmId, org.id);
    res.json({ organisation: fresh });
  });

  r.patch('/organisations/:id', async (req, res) => {
    const auth = allow(req, 'organisations.manage');
    const org = await find(req);
    const body = parseInput(PatchBody, req.body ?? {});
    const [row] = await deps.db
      .select({ slot: organisations.syncSlotMinute, status: organisations.status })
      .from(organisations)
      .where(and(eq(organisations.id, org.id), eq(organisations.firmId, auth.firmId)));
    const now = deps.now?.() ?? new Date();
    await deps.db
      .update(organisations)
      .set({ timezone: body.timezone, nextSyncAt: row?.status === 'active' ? nextNightlyRun(body.timezone, row.slot, now) : null, updatedAt: now })
      .where(and(eq(organisations.id, org.id), eq(organisations.firmId, auth.firmId)));
    await deps.db.insert(activities).values({ firmId: auth.firmId, organisationId: org.id, actorUserId: auth.userId, actorType: 'user', kind: 'organisation.settings_changed', summary: `Time zone of ${org.name} set to ${body.timezone}`, details: { from: org.timezone, to: body.timezone } });
    const [fresh] = await listOrganisations(deps.db, auth.firmId, org.id);
    res.json({ organisation: fresh });
  });

  return r;
}
