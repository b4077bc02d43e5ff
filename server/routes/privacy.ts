/**
 * Privacy API (under /api, firm-scoped; firm admins only — GDPR requests, retention and the audit
 * log are the firm's responsibility as its clients' processor):
 *
 *   GET    /privacy/customers?q=                   customers whose name or email matches (to pick one)
 *   GET    /privacy/customers/:id/export?format=json|csv   one customer's personal data (audited)
 *   POST   /privacy/customers/:id/erase            { reason } → erased, accounting records kept (audited)
 *   GET    /privacy/erasures                       erasures done, newest first
 *   GET    /privacy/retention                      retention periods
 *   PUT    /privacy/retention                      { emailBodyDays, activityNoteDays, closedDebtorDays } (audited)
 *   GET    /privacy/audit?from&to&limit&format=json|csv    the audit log (a CSV export is itself audited)
 *   GET    /privacy/firm/export                    everything the firm has, one JSON bundle (audited)
 *   POST   /privacy/firm/close                     { confirm: <the firm's name> } → tokens revoked, data deleted, signed out
 *
 * See server/privacy/README.md.
 */
import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import type { Clock } from '../../kernel/clock';
import { notFound } from '../../kernel/errors';
import { sendCsv } from '../analytics/csv';
import type { Auth } from '../auth/current-user';
import { allow } from '../auth/permissions';
import type { Db } from '../db/client';
import { parseInput } from '../http/validate';
import type { Logger } from '../logger';
import { AUDIT_CSV, type AuditActor, AuditQuerySchema, listAudit, recordAudit } from '../privacy/audit';
import { searchDebtors } from '../privacy/debtor';
import { eraseDebtor, listErasures } from '../privacy/erase';
import { DEBTOR_CSV, debtorCsvRows, exportDebtor } from '../privacy/export-debtor';
import { closeFirm, exportFirm } from '../privacy/firm';
import { ERASURE_REASONS, RetentionSchema } from '../privacy/policy';
import { getRetention, setRetention } from '../privacy/retention';

export interface PrivacyRouteDeps {
  db: Db;
  clock: Clock;
  log: Logger;
  /** Revokes one organisation's ledger access at its provider (account closure). */
  disconnect: (p: { firmId: string; organisationId: string; userId: string; userName: string }) => Promise<{ revokedAtProvider: boolean; warnings: string[] }>;
}

const SearchQuery = z.object({ q: z.string().trim().min(1, { message: 'Type part of a name or email address.' }).max(200) });
const FormatQuery = z.object({ format: z.enum(['json', 'csv']).default('json') });
const EraseBody = z.object({ reason: z.enum(ERASURE_REASONS, { message: 'Choose why the data is being erased.' }) }).strict();
const CloseBody = z.object({ confirm: z.string().max(500) }).strict();

function contactParam(req: Request): string {
  const v = z.uuid().safeParse(String(req.params['id'] ?? ''));
  if (!v.success) throw notFound('No such customer.');
  return v.data;
}

function actorOf(auth: Auth): AuditActor {
  return { userId: auth.userId, name: auth.userName, type: 'user' };
}

function attachment(res: Response, name: string, type: string): void {
  res.setHeader('content-type', type);
  res.setHeader('content-disposition', `attachment; filename="${name.replace(/[^A-Za-z0-9._-]+/g, '-')}"`);
  res.setHeader('cache-control', 'no-store');
}

export function privacyRoutes(deps: PrivacyRouteDeps): Router {
  const r = Router();
  const { db } = deps;
  const now = () => deps.clock.now();

  r.get('/privacy/customers', async (req, res) => {
    const auth = allow(req, 'privacy.manage');
    const q = parseInput(SearchQuery, req.query);
    res.json({ customers: await searchDebtors(db, auth.firmId, q.q) });
  });

  r.get('/privacy/customers/:id/export', async (req, res) => {
    const auth = allow(req, 'privacy.manage');
    const { format } = parseInput(FormatQuery, req.query);
    const at = now();
    const { debtor, data } = await exportDebtor(db, auth.firmId, contactParam(req), at);
    await recordAudit(
      db,
      actorOf(auth),
      { firmId: auth.firmId, organisationId: debtor.organisationId, action: 'privacy.debtor_exported', summary: `Exported the personal data of a customer of ${debtor.organisationName} (${format.toUpperCase()})`, details: { contactId: debtor.contactId, format } },
      at,
    );
    const name = `customer-data-${at.toISOString().slice(0, 10)}`;
    if (format === 'csv') return sendCsv(res, name, DEBTOR_CSV, debtorCsvRows(data));
    attachment(res, `${name}.json`, 'application/json; charset=utf-8');
    res.send(JSON.stringify(data, null, 2));
  });

  r.post('/privacy/customers/:id/erase', async (req, res) => {
    const auth = allow(req, 'privacy.manage');
    const contactId = contactParam(req);
    const body = parseInput(EraseBody, req.body ?? {});
    res.json({ erasure: await eraseDebtor(db, { firmId: auth.firmId, contactId, reason: body.reason, actor: actorOf(auth), now: now() }) });
  });

  r.get('/privacy/erasures', async (req, res) => {
    const auth = allow(req, 'privacy.manage');
    res.json({ erasures: await listErasures(db, auth.firmId) });
  });

  r.get('/privacy/retention', async (req, res) => {
    const auth = allow(req, 'privacy.manage');
    res.json({ retention: await getRetention(db, auth.firmId) });
  });

  r.put('/privacy/retention', async (req, res) => {
    const auth = allow(req, 'privacy.manage');
    const input = parseInput(RetentionSchema, req.body ?? {});
    res.json({ retention: await setRetention(db, auth.firmId, input, actorOf(auth), now()) });
  });

  r.get('/privacy/audit', async (req, res) => {
    const auth = allow(req, 'privacy.manage');
    const q = parseInput(AuditQuerySchema.extend(FormatQuery.shape), req.query);
    if (q.format === 'csv') {
      const at = now();
      const rows = await listAudit(db, auth.firmId, { ...q, limit: 10_000 });
      await recordAudit(db, actorOf(auth), { firmId: auth.firmId, action: 'privacy.audit_exported', summary: `Exported the audit log (${rows.length} entries)` }, at);
      return sendCsv(res, `audit-log-${at.toISOString().slice(0, 10)}`, AUDIT_CSV, rows);
    }
    res.json({ entries: await listAudit(db, auth.firmId, q) });
  });

  r.get('/privacy/firm/export', async (req, res) => {
    const auth = allow(req, 'privacy.manage');
    const at = now();
    attachment(res, `arcus-firm-export-${at.toISOString().slice(0, 10)}.json`, 'application/json; charset=utf-8');
    await exportFirm(db, auth.firmId, actorOf(auth), at, res);
    res.end();
  });

  r.post('/privacy/firm/close', async (req, res) => {
    const auth = allow(req, 'privacy.manage');
    const body = parseInput(CloseBody, req.body ?? {});
    const result = await closeFirm(db, {
      firmId: auth.firmId,
      firmName: auth.firmName,
      confirm: body.confirm,
      disconnect: (organisationId) => deps.disconnect({ firmId: auth.firmId, organisationId, userId: auth.userId, userName: auth.userName }),
    });
    // No personal data: the firm's id and counts.
    deps.log.info({ firmId: auth.firmId, organisations: result.organisations, revokedAtProvider: result.revokedAtProvider, deletedRows: result.deletedRows }, 'firm account closed');
    await new Promise<void>((resolve) => req.session.destroy(() => resolve()));
    res.clearCookie('arcus.sid');
    res.json({ closed: true, ...result });
  });

  return r;
}
