/**
 * Settings that carry across clients (under /api; docs/decisions/028-firm-defaults-and-overrides.md):
 *
 *   GET  /settings/defaults                                   firm.read             the firm defaults, in words, with how many clients override each
 *   PUT  /settings/defaults { group, value }                  firm_defaults.manage  set one group's firm default
 *   GET  /settings/organisations/:organisationId              firm.read             the organisation's effective settings: each group "firm default" or "overridden"
 *   PUT  /settings/organisations/:organisationId { group, value }        firm_defaults.manage  override one group for the organisation
 *   POST /settings/organisations/:organisationId/reset { group }         firm_defaults.manage  back to the firm default (idempotent)
 *   POST /settings/apply-to-all/preview { group, value? }     firm_defaults.manage  which clients would change and how, in words
 *   POST /settings/apply-to-all { group, value? }             firm_defaults.manage  every client follows the default (set to value first): overrides removed; idempotent
 */
import { type Request, Router } from 'express';
import { z } from 'zod';
import { notFound } from '../../kernel/errors';
import { allow } from '../auth/permissions';
import type { Db } from '../db/client';
import { parseInput } from '../http/validate';
import {
  ApplyInputSchema,
  applyToAll,
  clearOverride,
  firmDefaultsView,
  GroupInputSchema,
  GroupValueInputSchema,
  organisationSettingsView,
  previewApplyToAll,
  setDefault,
  setOverride,
} from '../settings/store';

export interface SettingsRouteDeps {
  db: Db;
  now: () => Date;
}

function organisationParam(req: Request): string {
  const v = z.uuid().safeParse(String(req.params['organisationId'] ?? ''));
  if (!v.success) throw notFound('No such organisation.');
  return v.data;
}

export function settingsRoutes(deps: SettingsRouteDeps): Router {
  const { db } = deps;
  const r = Router();

  r.get('/settings/defaults', async (req, res) => {
    const auth = allow(req, 'firm.read');
    res.json(await firmDefaultsView(db, auth.firmId));
  });

  r.put('/settings/defaults', async (req, res) => {
    const auth = allow(req, 'firm_defaults.manage');
    const { group, value } = parseInput(GroupValueInputSchema, req.body ?? {});
    res.json(await setDefault(db, auth.firmId, group, value));
  });

  r.get('/settings/organisations/:organisationId', async (req, res) => {
    const auth = allow(req, 'firm.read');
    res.json(await organisationSettingsView(db, auth.firmId, organisationParam(req)));
  });

  r.put('/settings/organisations/:organisationId', async (req, res) => {
    const auth = allow(req, 'firm_defaults.manage');
    const id = organisationParam(req);
    const { group, value } = parseInput(GroupValueInputSchema, req.body ?? {});
    res.json(await setOverride(db, auth, id, group, value, deps.now()));
  });

  r.post('/settings/organisations/:organisationId/reset', async (req, res) => {
    const auth = allow(req, 'firm_defaults.manage');
    const id = organisationParam(req);
    const { group } = parseInput(GroupInputSchema, req.body ?? {});
    res.json(await clearOverride(db, auth.firmId, id, group));
  });

  r.post('/settings/apply-to-all/preview', async (req, res) => {
    const auth = allow(req, 'firm_defaults.manage');
    const { group, value } = parseInput(ApplyInputSchema, req.body ?? {});
    res.json({ preview: await previewApplyToAll(db, auth.firmId, group, value) });
  });

  r.post('/settings/apply-to-all', async (req, res) => {
    const auth = allow(req, 'firm_defaults.manage');
    const { group, value } = parseInput(ApplyInputSchema, req.body ?? {});
    res.json({ applied: await applyToAll(db, auth.firmId, group, value) });
  });

  return r;
}
