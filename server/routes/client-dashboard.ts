/**
 * The client contact's own dashboard (under /api; docs/decisions/029-client-dashboard.md):
 *
 *   GET /client/dashboard   client.view   each of the caller's organisations: headline figures, this month's work, approvals waiting
 *
 * Only client contacts hold `client.view`; what they see is limited to their own organisations
 * (server/analytics/client-dashboard.ts reads `auth.organisationIds` and nothing else).
 */
import { Router } from 'express';
import type { Clock } from '../../kernel/clock';
import { getClientDashboard } from '../analytics/client-dashboard';
import { allow } from '../auth/permissions';
import type { Db } from '../db/client';

export function clientDashboardRoutes(deps: { db: Db; clock: Clock }): Router {
  const r = Router();
  r.get('/client/dashboard', async (req, res) => {
    const auth = allow(req, 'client.view');
    res.json({ organisations: await getClientDashboard(deps.db, auth, deps.clock.now()) });
  });
  return r;
}
