/** GET /Organisation. */
import type { Router } from 'express';
import { handle } from '../handler';
import { ok } from '../http';
import { organisationOut } from '../map/organisation';

export function organisationRoutes(router: Router): void {
  router.get(
    '/Organisation',
    handle(({ view, company }) => ok(view.now, { Organisations: [organisationOut(company)] })),
  );
}
