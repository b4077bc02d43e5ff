/**
 * Tasks and action plans (docs/decisions/025-tasks-and-action-plans.md), under /api, scoped by the
 * caller's firm in every query:
 *
 *   POST  /tasks                          collect              { organisationId, kind, title, dueOn, assigneeUserId?, contactExternalId?, invoiceId?, targetId?, requestKey? } → 201
 *   PATCH /tasks/:id                      collect              { assigneeUserId?, dueOn?, title? }
 *   POST  /tasks/:id/done                 collect              { outcome? }
 *   POST  /tasks/:id/skip                 collect              { outcome }
 *   GET   /organisations/:id/action-plan  firm.read            targets with owner, steps and progress
 *   PUT   /targets/:id/owner              assignments.manage   { userId | null }
 *
 * A customer's or invoice's tasks are listed by GET /collector/follow-ups (routes/writebacks.ts).
 */
import { type Request, Router } from 'express';
import { z } from 'zod';
import type { Clock } from '../../kernel/clock';
import { notFound } from '../../kernel/errors';
import { getOrganisation } from '../analytics/organisations';
import { allow } from '../auth/permissions';
import type { Db } from '../db/client';
import { parseInput } from '../http/validate';
import { getActionPlan, setTargetOwner } from '../team/action-plan';
import { createTask, FinishSchema, finishTask, SkipSchema, TaskInputSchema, TaskPatchSchema, updateTask } from '../team/tasks';

const Id = z.uuid({ message: 'This item does not exist. Reload the page and try again.' });
const OwnerInput = z.object({ userId: z.uuid({ message: 'Choose the owner again: this person does not exist.' }).nullable() }).strict();
const LABELS = { kind: 'kind of task', title: 'what is to be done', dueOn: 'due date', assigneeUserId: 'person', contactExternalId: 'customer', invoiceId: 'invoice', targetId: 'target', outcome: 'outcome', userId: 'owner' };

export function taskRoutes(deps: { db: Db; clock: Clock }): Router {
  const r = Router();
  const idOf = (req: Request) => parseInput(z.object({ id: Id }), req.params).id;

  r.post('/tasks', async (req, res) => {
    const auth = allow(req, 'collect');
    const input = parseInput(TaskInputSchema, req.body, LABELS);
    const out = await createTask(deps.db, auth, input, deps.clock.now());
    res.status(out.created ? 201 : 200).json(out);
  });

  r.patch('/tasks/:id', async (req, res) => {
    const auth = allow(req, 'collect');
    const id = idOf(req);
    res.json(await updateTask(deps.db, auth, id, parseInput(TaskPatchSchema, req.body, LABELS), deps.clock.now()));
  });

  r.post('/tasks/:id/done', async (req, res) => {
    const auth = allow(req, 'collect');
    const id = idOf(req);
    const { outcome } = parseInput(FinishSchema, req.body ?? {}, LABELS);
    res.json(await finishTask(deps.db, auth, id, { status: 'done', outcome }, deps.clock.now()));
  });

  r.post('/tasks/:id/skip', async (req, res) => {
    const auth = allow(req, 'collect');
    const id = idOf(req);
    const { outcome } = parseInput(SkipSchema, req.body ?? {}, LABELS);
    res.json(await finishTask(deps.db, auth, id, { status: 'skipped', outcome }, deps.clock.now()));
  });

  r.get('/organisations/:id/action-plan', async (req, res) => {
    const auth = allow(req, 'firm.read');
    const org = await getOrganisation(deps.db, auth.firmId, idOf(req));
    if (!org) throw notFound('No such client.');
    res.json(await getActionPlan(deps.db, auth.firmId, org, deps.clock.now()));
  });

  r.put('/targets/:id/owner', async (req, res) => {
    const auth = allow(req, 'assignments.manage');
    const id = idOf(req);
    const { userId } = parseInput(OwnerInput, req.body, LABELS);
    await setTargetOwner(deps.db, auth, id, userId, deps.clock.now());
    res.json({ ok: true });
  });

  return r;
}
