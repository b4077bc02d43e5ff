/**
 * Sandbox-only admin API (mounted at /admin), behind `Authorization: Bearer <adminToken>`:
 * move the clock, make customers pay, edit / void / delete / credit invoices, inject faults,
 * see what Arcus wrote back, and drive webhooks. Bodies are validated with zod; every error
 * is `{error:{code, message}}`.
 */
import { timingSafeEqual } from 'node:crypto';
import express from 'express';
import { z } from 'zod';
import { type CalendarDate, DateError, isCalendarDate, todayIn } from '../../../kernel/dates';
import { fromMinor, type Minor, MoneyError, toMinor } from '../../../kernel/money';
import type { SandboxContext } from '../context';
import type { Provider, SbCompany, SbCreditNote, SbInvoice, SbPayment } from '../model';
import { SandboxError } from '../store';
import type { WebhookDispatcher } from '../webhooks';

export class AdminError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const provider = z.enum(['xero', 'quickbooks', 'qbo']).transform((p): Provider => (p === 'qbo' ? 'quickbooks' : p));
const calendarDate = z.string().refine(isCalendarDate, 'must be a calendar date YYYY-MM-DD');
const amount = z.union([z.string().regex(/^\d+(\.\d{1,2})?$/, 'must be a positive decimal amount with at most 2 decimals'), z.number().positive().finite()]);

const schemas = {
  advance: z
    .object({ days: z.number().nonnegative().optional(), hours: z.number().nonnegative().optional(), minutes: z.number().nonnegative().optional(), ms: z.number().int().nonnegative().optional() })
    .refine((b) => b.days !== undefined || b.hours !== undefined || b.minutes !== undefined || b.ms !== undefined, 'give days, hours, minutes or ms'),
  pay: z.object({ invoiceId: z.string().min(1), amount: amount.optional(), date: calendarDate.optional(), reference: z.string().max(255).optional() }),
  credit: z.object({ invoiceId: z.string().min(1), amount, date: calendarDate.optional(), reason: z.string().max(200).optional() }),
  edit: z.object({
    issueDate: calendarDate.optional(),
    dueDate: calendarDate.nullable().optional(),
    reference: z.string().max(255).optional(),
    url: z.string().url().nullable().optional(),
    privateNote: z.string().max(4000).optional(),
    customerMemo: z.string().max(1000).optional(),
    status: z.enum(['DRAFT', 'SUBMITTED', 'AUTHORISED']).optional(),
    lines: z
      .array(
        z.object({
          description: z.string().max(4000),
          quantity: z.string().regex(/^\d+(\.\d+)?$/).optional(),
          unitAmount: z.union([z.string().regex(/^\d+(\.\d{1,2})?$/), z.number().nonnegative().finite()]),
          taxAmount: z.union([z.string().regex(/^\d+(\.\d{1,2})?$/), z.number().nonnegative().finite()]).optional(),
          accountCode: z.string().max(10).optional(),
          itemCode: z.string().max(30).nullable().optional(),
        }),
      )
      .min(1)
      .optional(),
  }),
  fault: z.object({
    provider: provider.optional(),
    companyId: z.string().min(1).optional(),
    kind: z.enum(['429', '5xx', 'slow']),
    count: z.number().int().min(1).max(100_000).default(1),
    delayMs: z.number().int().min(0).max(120_000).optional(),
    status: z.number().int().min(400).max(599).optional(),
  }),
  intent: z.object({ provider }),
  webhookConfig: z.object({
    xeroUrl: z.string().url().nullable().optional(),
    qboUrl: z.string().url().nullable().optional(),
    qboFormat: z.enum(['legacy', 'cloudevents']).optional(),
  }),
};

function parse<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  const r = schema.safeParse(body ?? {});
  if (!r.success) {
    const message = r.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
    throw new AdminError(400, 'validation', message);
  }
  return r.data;
}

function minor(value: string | number): Minor {
  return toMinor(value, 2, false);
}

function invoiceView(inv: SbInvoice) {
  return {
    ...inv,
    totalText: fromMinor(inv.total),
    amountDueText: fromMinor(inv.amountDue),
    amountPaidText: fromMinor(inv.amountPaid),
    amountCreditedText: fromMinor(inv.amountCredited),
  };
}

export interface AdminDeps {
  webhooks: WebhookDispatcher;
}

export function adminRouter(ctx: SandboxContext, deps: AdminDeps): express.Router {
  const router = express.Router();
  const store = ctx.store;

  router.use((req, _res, next) => {
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    const given = Buffer.from(m?.[1] ?? '');
    const expected = Buffer.from(ctx.options.adminToken);
    if (!m || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      next(new AdminError(401, 'unauthorized', 'The admin API needs Authorization: Bearer <admin token>'));
      return;
    }
    next();
  });
  router.use(express.json({ limit: '1mb' }));

  const companyOf = (id: string): SbCompany => store.company(id);
  const todayOf = (c: SbCompany): CalendarDate => todayIn(c.timezone, new Date(store.clock.peek()));
  const clockView = () => ({
    now: new Date(store.clock.peek()).toISOString(),
    nowMs: store.clock.peek(),
    companies: [...store.companies.values()].map((c) => ({ id: c.id, name: c.name, timezone: c.timezone, today: todayOf(c) })),
  });

  // ---- clock -------------------------------------------------------------------------------
  router.get('/clock', (_req, res) => {
    res.json(clockView());
  });
  router.post('/clock/advance', (req, res) => {
    const b = parse(schemas.advance, req.body);
    const ms = Math.round((b.days ?? 0) * 86_400_000 + (b.hours ?? 0) * 3_600_000 + (b.minutes ?? 0) * 60_000 + (b.ms ?? 0));
    if (!Number.isSafeInteger(ms)) throw new AdminError(400, 'validation', 'That is too far to advance');
    store.clock.advance(ms);
    res.json({ advancedMs: ms, ...clockView() });
  });

  // ---- companies ---------------------------------------------------------------------------
  const companyView = (c: SbCompany) => {
    let customers = 0;
    let invoices = 0;
    let open = 0;
    let payments = 0;
    let creditNotes = 0;
    for (const x of store.contacts.values()) if (x.companyId === c.id && x.deletedAt === null) customers++;
    for (const x of store.invoices.values()) {
      if (x.companyId !== c.id) continue;
      invoices++;
      if (x.status === 'AUTHORISED') open++;
    }
    for (const x of store.payments.values()) if (x.companyId === c.id) payments++;
    for (const x of store.creditNotes.values()) if (x.companyId === c.id) creditNotes++;
    return {
      id: c.id,
      provider: c.provider,
      name: c.name,
      baseCurrency: c.baseCurrency,
      timezone: c.timezone,
      countryCode: c.countryCode,
      today: todayOf(c),
      counts: { customers, invoices, openInvoices: open, payments, creditNotes },
    };
  };
  router.get('/companies', (_req, res) => {
    res.json({ companies: [...store.companies.values()].map(companyView) });
  });
  router.get('/companies/:id', (req, res) => {
    res.json(companyView(companyOf(req.params.id)));
  });
  router.get('/companies/:id/invoices/:invoiceId', (req, res) => {
    companyOf(req.params.id);
    res.json({ invoice: invoiceView(store.invoice(req.params.id, req.params.invoiceId)) });
  });

  /** Make a customer pay (default: the full amount due, dated today in the company's zone). */
  router.post('/companies/:id/pay', (req, res) => {
    const company = companyOf(req.params.id);
    const b = parse(schemas.pay, req.body);
    const inv = store.invoice(company.id, b.invoiceId);
    if (inv.status !== 'AUTHORISED') throw new AdminError(400, 'validation', `Invoice ${inv.number} is ${inv.status} and cannot be paid`);
    const value = b.amount === undefined ? inv.amountDue : minor(b.amount);
    const payment: SbPayment = store.createPayment(company.id, {
      date: b.date ?? todayOf(company),
      allocations: [{ invoiceId: inv.id, amount: value }],
      reference: b.reference ?? 'Sandbox payment',
    });
    res.status(201).json({ payment, invoice: invoiceView(store.invoice(company.id, inv.id)) });
  });

  /** Credit an invoice: a credit note for the amount, allocated (Xero) or linked by a zero payment (QuickBooks). */
  router.post('/companies/:id/credit', (req, res) => {
    const company = companyOf(req.params.id);
    const b = parse(schemas.credit, req.body);
    const inv = store.invoice(company.id, b.invoiceId);
    if (inv.status !== 'AUTHORISED') throw new AdminError(400, 'validation', `Invoice ${inv.number} is ${inv.status} and cannot take a credit`);
    const value = minor(b.amount);
    if (value > inv.amountDue) throw new AdminError(400, 'validation', `The credit exceeds the amount due on ${inv.number} (${fromMinor(inv.amountDue)})`);
    const date = b.date ?? todayOf(company);
    const cn: SbCreditNote = store.createCreditNote(company.id, {
      contactId: inv.contactId,
      date,
      currency: inv.currency,
      reference: inv.number,
      lines: [{ description: b.reason ?? `Credit against ${inv.number}`, unitAmount: value, taxAmount: 0 }],
    });
    if (company.provider === 'xero') store.allocateCredit(company.id, cn.id, inv.id, value, date);
    else store.createPayment(company.id, { date, allocations: [{ invoiceId: inv.id, amount: value }], creditNoteLinks: [{ creditNoteId: cn.id, amount: value }], amount: 0 });
    res.status(201).json({ creditNote: store.creditNote(company.id, cn.id), invoice: invoiceView(store.invoice(company.id, inv.id)) });
  });

  router.post('/companies/:id/invoices/:invoiceId/edit', (req, res) => {
    const company = companyOf(req.params.id);
    const b = parse(schemas.edit, req.body);
    const { lines, ...rest } = b;
    const inv = store.updateInvoice(company.id, req.params.invoiceId, {
      ...rest,
      ...(lines
        ? {
            lines: lines.map((l) => ({
              description: l.description,
              quantity: l.quantity,
              unitAmount: minor(l.unitAmount),
              taxAmount: l.taxAmount === undefined ? 0 : minor(l.taxAmount),
              accountCode: l.accountCode,
              itemCode: l.itemCode ?? null,
            })),
          }
        : {}),
    });
    res.json({ invoice: invoiceView(inv) });
  });
  router.post('/companies/:id/invoices/:invoiceId/void', (req, res) => {
    const company = companyOf(req.params.id);
    res.json({ invoice: invoiceView(store.voidInvoice(company.id, req.params.invoiceId)) });
  });
  router.post('/companies/:id/invoices/:invoiceId/delete', (req, res) => {
    const company = companyOf(req.params.id);
    res.json({ invoice: invoiceView(store.deleteInvoice(company.id, req.params.invoiceId)) });
  });

  // ---- rate limits -------------------------------------------------------------------------
  /** Calls per tenant against its limits (the most in a minute and at once; 429s by limit). */
  router.get('/limits/usage', (_req, res) => {
    res.json({ tenants: ctx.limiter.usage() });
  });

  // ---- faults ------------------------------------------------------------------------------
  router.get('/faults', (_req, res) => {
    res.json({ faults: ctx.faults.list() });
  });
  router.post('/faults', (req, res) => {
    const b = parse(schemas.fault, req.body);
    if (b.companyId) companyOf(b.companyId);
    const fault = ctx.faults.add({
      provider: b.provider ?? null,
      companyId: b.companyId ?? null,
      kind: b.kind,
      remaining: b.count,
      delayMs: b.delayMs ?? (b.kind === 'slow' ? 3000 : 0),
      status: b.status ?? (b.kind === '429' ? 429 : b.kind === '5xx' ? 503 : 200),
    });
    res.status(201).json({ fault, faults: ctx.faults.list() });
  });
  router.delete('/faults', (_req, res) => {
    ctx.faults.clear();
    res.json({ faults: [] });
  });

  // ---- write-backs -------------------------------------------------------------------------
  router.get('/writes', (req, res) => {
    const companyId = typeof req.query['companyId'] === 'string' ? req.query['companyId'] : null;
    const p = typeof req.query['provider'] === 'string' ? (req.query['provider'] === 'qbo' ? 'quickbooks' : req.query['provider']) : null;
    res.json({ writes: store.writes.filter((w) => (!companyId || w.companyId === companyId) && (!p || w.provider === p)) });
  });

  // ---- webhooks ----------------------------------------------------------------------------
  router.post('/webhooks/flush', async (_req, res) => {
    const deliveries = await deps.webhooks.flush();
    res.json({ deliveries });
  });
  router.post('/webhooks/intent', async (req, res) => {
    const b = parse(schemas.intent, req.body);
    res.json(await deps.webhooks.intentToReceive(b.provider));
  });
  router.get('/webhooks/deliveries', (req, res) => {
    const limit = Math.min(500, Math.max(1, Number(req.query['limit']) || 100));
    res.json({ deliveries: deps.webhooks.deliveries.slice(-limit).reverse(), queued: deps.webhooks.queued });
  });
  router.get('/webhooks/config', (_req, res) => {
    res.json({ urls: ctx.options.webhookUrls, qboFormat: deps.webhooks.qboFormat });
  });
  router.put('/webhooks/config', (req, res) => {
    const b = parse(schemas.webhookConfig, req.body);
    if (b.xeroUrl !== undefined) {
      if (b.xeroUrl) ctx.options.webhookUrls.xero = b.xeroUrl;
      else delete ctx.options.webhookUrls.xero;
    }
    if (b.qboUrl !== undefined) {
      if (b.qboUrl) ctx.options.webhookUrls.quickbooks = b.qboUrl;
      else delete ctx.options.webhookUrls.quickbooks;
    }
    if (b.qboFormat) deps.webhooks.qboFormat = b.qboFormat;
    res.json({ urls: ctx.options.webhookUrls, qboFormat: deps.webhooks.qboFormat });
  });

  // ---- grants (who is connected) -----------------------------------------------------------
  router.get('/grants', (_req, res) => {
    res.json({
      grants: ctx.grants.all().map((g) => ({
        provider: g.provider,
        clientId: g.clientId,
        companyIds: g.companyIds,
        scopes: g.scopes,
        userSub: g.userSub,
        accessExpiresAt: new Date(g.accessExpiresAt).toISOString(),
      })),
    });
  });

  router.use((req, _res, next) => next(new AdminError(404, 'not_found', `No admin route for ${req.method} ${req.baseUrl}${req.path}`)));
  router.use((err: unknown, _req: express.Request, res: express.Response, next: express.NextFunction) => {
    const e = toAdminError(err);
    if (!e) return next(err);
    res.status(e.status).json({ error: { code: e.code, message: e.message } });
  });
  return router;
}

/** Map the errors admin handlers can meet to {status, code}; null for a genuine bug. */
export function toAdminError(err: unknown): AdminError | null {
  if (err instanceof AdminError) return err;
  if (err instanceof SandboxError) {
    const status = err.code === 'not_found' ? 404 : err.code === 'validation' ? 400 : 409;
    return new AdminError(status, err.code, err.message);
  }
  if (err instanceof MoneyError || err instanceof DateError) return new AdminError(400, 'validation', err.message);
  const status = (err as { status?: unknown }).status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const type = (err as { type?: unknown }).type;
    return new AdminError(status, type === 'entity.parse.failed' ? 'invalid_json' : 'bad_request', (err as Error).message || 'Bad request');
  }
  return null;
}
