/**
 * CompanyInfo (`GET /companyinfo/{realmId}`, Id "1" inside) and Preferences
 * (`GET /preferences`). Neither carries a time zone — see README.md.
 */
import type { Router } from 'express';
import { faults } from './faults';
import { locals, reply } from './http';
import { toQboCompanyInfo, toQboPreferences } from './mappers';

export function companyRoutes(router: Router): void {
  router.get('/companyinfo/:id', (req, res) => {
    const { view } = locals(res);
    const id = String(req.params['id']);
    if (id !== view.realmId && id !== '1') throw faults.objectNotFound(`CompanyInfo ${id}`);
    reply(res, { CompanyInfo: toQboCompanyInfo(view) });
  });

  router.get('/preferences', (_req, res) => {
    reply(res, { Preferences: toQboPreferences(locals(res).view) });
  });
}
