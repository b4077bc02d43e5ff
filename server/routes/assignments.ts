/**
 * Assignment and My work (under /api; docs/decisions/023-assignment-and-my-work.md). Who may call
 * what is in server/auth/permissions.ts:
 *
 *   GET  /assignments                  firm.read            organisations with owner and assigned counts; assignable members
 *   PUT  /organisations/:id/owner      assignments.manage   { userId | null }
 *   POST /assignments/rules            assignments.manage   { rule: all | segment | amount | round_robin, organisationId, … }
 *   POST /assignments/reassign         assignments.manage   { fromUserId, toUserId, organisationId? }
 *   GET  /my-work                      firm.read            the caller's customers ranked (paged), follow-ups, promises, approvals
 *   GET  /team-queues                  team.read            each collector's customers, open balance, value and follow-ups due
 */
import type { QueuePort } from '../queue';
import { Router } from 'express';
import { z } from 'zod';
import type { Clock } from '../../kernel/clock';
import { notFound } from '../../kernel/errors';
import type { LedgerEndpointsOf } from '../analytics/ledger-links';
import { seedDemoExchangeRates } from '../analytics/exchange-rates';
import { allow } from '../auth/permissions';
import type { Db } from '../db/client';
import { parseInput } from '../http/validate';
import { applyRule, assignmentOverview, OwnerSchema, ReassignSchema, RuleSchema, reassign, setOwner } from '../team/assignments';
import { getMyWork, getTeamQueues } from '../team/my-work';

const PageSchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

const LABELS = { userId: 'person', userIds: 'collectors', toUserId: 'person taking over', fromUserId: 'person whose customers move', minAmount: 'minimum balance', segment: 'risk segment', rule: 'rule' };

export function assignmentRoutes(deps: { db: Db; queue?: QueuePort; clock: Clock; demo?: boolean; ledgerEndpoints?: LedgerEndpointsOf }): Router {
  const { db } = deps;
  const r = Router();

  r.get('/assignments', async (req, res) => {
    const auth = allow(req, 'firm.read');
    res.json(await assignmentOverview(db, auth.firmId));
  });

  r.put('/organisations/:id/owner', async (req, res) => {
    const auth = allow(req, 'assignments.manage');
    const id = z.uuid().safeParse(String(req.params['id'] ?? ''));
    if (!id.success) throw notFound('No such organisation.');
    const { userId } = parseInput(OwnerSchema, req.body, LABELS);
    await setOwner(db, auth, id.data, userId, deps.clock.now());
    res.json({ organisationId: id.data, userId });
  });

  r.post('/assignments/rules', async (req, res) => {
    const auth = allow(req, 'assignments.manage');
    const rule = parseInput(RuleSchema, req.body, LABELS);
    res.json(await applyRule(db, auth, rule, deps.clock.now()));
  });

  r.post('/assignments/reassign', async (req, res) => {
    const auth = allow(req, 'assignments.manage');
    const input = parseInput(ReassignSchema, req.body, LABELS);
    res.json(await reassign(db, auth, input, deps.clock.now()));
  });

  r.get('/my-work', async (req, res) => {
    const auth = allow(req, 'firm.read');
    const q = parseInput(PageSchema, req.query);
    if (deps.demo) await seedDemoExchangeRates(db, auth.firmId);
    res.json(await getMyWork(db, auth, { limit: q.limit, offset: q.offset, now: deps.clock.now(), ledgerEndpoints: deps.ledgerEndpoints, queue: deps.queue }));
  });

  r.get('/team-queues', async (req, res) => {
    const auth = allow(req, 'team.read');
    if (deps.demo) await seedDemoExchangeRates(db, auth.firmId);
    res.json(await getTeamQueues(db, auth, deps.clock.now()));
  });

  return r;
}
