/**
 * The sandbox's QuickBooks Online Accounting API (v3, minor version 75), mounted by the
 * sandbox server at `/qbo/v3/company`. node-quickbooks reaches it with only its endpoint
 * changed (`qbo.endpoint = '<base>/qbo/v3/company/'`). Behaviour and deliberate differences
 * from QBO are listed in README.md beside this file.
 */
import express, { type Router } from 'express';
import type { SandboxContext } from '../context';
import { runCdc } from './cdc';
import { companyRoutes } from './company';
import { creditMemoRoutes } from './credit-memos';
import { customerRoutes } from './customers';
import { faults } from './faults';
import { errorHandler, gate, locals, queryString, reply } from './http';
import { invoiceRoutes } from './invoices';
import { paymentRoutes } from './payments';
import { runQuery } from './query-exec';
import { refundCheckRoutes } from './refund-checks';
import { refundReceiptRoutes } from './refund-receipts';

export function qboApiRouter(ctx: SandboxContext): Router {
  const router = express.Router();
  const company = express.Router({ mergeParams: true });

  company.use(express.json({ limit: '5mb', type: ['application/json', 'application/*+json'] }));
  company.use(express.text({ limit: '1mb', type: ['application/text', 'text/plain'] }));

  const query = (req: express.Request, res: express.Response) => {
    const fromBody = typeof req.body === 'string' ? req.body : undefined;
    const text = queryString(req, 'query') ?? fromBody ?? '';
    reply(res, runQuery(locals(res).view, text).body);
  };
  company.get('/query', query);
  company.post('/query', query);

  company.get('/cdc', (req, res) => {
    reply(res, runCdc(locals(res).view, req.query['entities'], req.query['changedSince']));
  });

  customerRoutes(company, ctx);
  invoiceRoutes(company, ctx);
  paymentRoutes(company, ctx);
  creditMemoRoutes(company, ctx);
  refundReceiptRoutes(company, ctx);
  refundCheckRoutes(company, ctx);
  companyRoutes(company);

  company.use((req) => {
    throw faults.unsupported(`${req.method} ${req.path} (not served by the sandbox)`);
  });

  router.use('/:realmId', gate(ctx), company);
  router.use(errorHandler(ctx));
  return router;
}
