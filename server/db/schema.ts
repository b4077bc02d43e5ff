/**
 * The core model. Every business row carries `firm_id` so every query can be scoped to the
 * caller's firm; ledger documents are keyed by (organisation, external id) so sync upserts.
 * Money is numeric(19,4) (exact; read back as decimal strings), invoice dates are `date`.
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  date,
  doublePrecision,
  index,
  integer,
  jsonb,
  numeric,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

const money = (name: string) => numeric(name, { precision: 19, scale: 4 });
const id = () => uuid('id').primaryKey().default(sql`gen_random_uuid()`);
const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();

/** Roles in words and who may do what: server/auth/permissions.ts (manager and client_contact: migration 0022; salesperson: 0038). */
export const roleEnum = pgEnum('role', ['admin', 'manager', 'collector', 'viewer', 'client_contact', 'salesperson']);
export const providerEnum = pgEnum('provider', ['xero', 'quickbooks']);
export const organisationStatusEnum = pgEnum('organisation_status', ['active', 'needs_reauth', 'disconnected']);
export const connectionStatusEnum = pgEnum('connection_status', ['active', 'needs_reauth', 'revoked']);
export const syncKindEnum = pgEnum('sync_kind', ['full', 'incremental', 'webhook']);
export const syncStatusEnum = pgEnum('sync_status', ['queued', 'running', 'succeeded', 'failed', 'deferred']);

export const firms = pgTable('firms', {
  id: id(),
  name: text('name').notNull(),
  reportingCurrency: text('reporting_currency').notNull().default('USD'),
  /** Thresholds and policies set per firm (needs-help rules, approval limits, …). */
  settings: jsonb('settings').notNull().default({}),
  createdAt: createdAt(),
});

export const users = pgTable(
  'users',
  {
    id: id(),
    email: text('email').notNull(),
    name: text('name').notNull(),
    /** 'demo', 'xero', 'intuit': who vouched for this user at sign-in. */
    authProvider: text('auth_provider').notNull(),
    authSubject: text('auth_subject').notNull(),
    createdAt: createdAt(),
    lastSignInAt: timestamp('last_sign_in_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('users_auth_subject_key').on(t.authProvider, t.authSubject)],
);

export const memberships = pgTable(
  'memberships',
  {
    id: id(),
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firms.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: roleEnum('role').notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('memberships_firm_user_key').on(t.firmId, t.userId), index('memberships_user_idx').on(t.userId)],
);

export const organisations = pgTable(
  'organisations',
  {
    id: id(),
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firms.id, { onDelete: 'cascade' }),
    provider: providerEnum('provider').notNull(),
    /** Xero tenant id or QuickBooks realm id. */
    externalId: text('external_id').notNull(),
    name: text('name').notNull(),
    baseCurrency: text('base_currency').notNull(),
    timezone: text('timezone').notNull(),
    countryCode: text('country_code'),
    /** The default language of its customers' reminders and pay page (migration 0044; null = from the country, kernel/locale.ts). */
    language: text('language'),
    status: organisationStatusEnum('status').notNull().default('active'),
    /** Incremental-sync checkpoints per entity type, advanced only after a complete run. */
    syncState: jsonb('sync_state').notNull().default({}),
    lastSyncAt: timestamp('last_sync_at', { withTimezone: true }),
    /** When the nightly sync is next due (set from the organisation's time zone and its slot). */
    nextSyncAt: timestamp('next_sync_at', { withTimezone: true }),
    /** Minute of the night (0–359 after 01:00 local) this organisation syncs, spread by hash. */
    syncSlotMinute: integer('sync_slot_minute').notNull().default(0),
    /** Why the organisation is not active, in words for the UI (e.g. disconnected in Xero). */
    statusReason: text('status_reason'),
    /** What Arcus read of the ledger's chart of accounts (migration 0062): QuickBooks' Accounts Receivable accounts, cached (server/ledger/receivable-accounts.ts). */
    ledgerAccounts: jsonb('ledger_accounts'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('organisations_firm_provider_external_key').on(t.firmId, t.provider, t.externalId), index('organisations_firm_idx').on(t.firmId)],
);

export const connections = pgTable(
  'connections',
  {
    id: id(),
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firms.id, { onDelete: 'cascade' }),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    provider: providerEnum('provider').notNull(),
    /** AES-256-GCM ciphertexts (iv.tag.data, base64url); never the plain tokens. */
    accessTokenEnc: text('access_token_enc').notNull(),
    refreshTokenEnc: text('refresh_token_enc').notNull(),
    accessTokenExpiresAt: timestamp('access_token_expires_at', { withTimezone: true }).notNull(),
    scopes: text('scopes').array().notNull().default(sql`'{}'::text[]`),
    status: connectionStatusEnum('status').notNull().default('active'),
    /** Xero's connection id (for DELETE /connections/{id}). */
    providerConnectionId: text('provider_connection_id'),
    /**
     * One consent's token set: Xero lets one consent cover several tenants, so their
     * connections share (and must rotate together) one refresh token.
     */
    grantId: uuid('grant_id'),
    refreshFailures: integer('refresh_failures').notNull().default(0),
    lastError: text('last_error'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('connections_organisation_key').on(t.organisationId), index('connections_firm_idx').on(t.firmId), index('connections_grant_idx').on(t.grantId)],
);

export const contacts = pgTable(
  'contacts',
  {
    id: id(),
    firmId: uuid('firm_id').notNull(),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    externalId: text('external_id').notNull(),
    name: text('name').notNull(),
    firstName: text('first_name'),
    lastName: text('last_name'),
    /** [{ address, name, primary, includeInEmails }] */
    emails: jsonb('emails').notNull().default([]),
    /** [{ type, number }] */
    phones: jsonb('phones').notNull().default([]),
    /** [{ type, line1, city, region, postalCode, country }] */
    addresses: jsonb('addresses').notNull().default([]),
    isCustomer: boolean('is_customer').notNull().default(true),
    status: text('status').notNull().default('active'),
    ledgerUpdatedAt: timestamp('ledger_updated_at', { withTimezone: true }),
    raw: jsonb('raw'),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
    syncedAt: timestamp('synced_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('contacts_org_external_key').on(t.organisationId, t.externalId), index('contacts_firm_org_idx').on(t.firmId, t.organisationId)],
);

export const invoices = pgTable(
  'invoices',
  {
    id: id(),
    firmId: uuid('firm_id').notNull(),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    externalId: text('external_id').notNull(),
    contactExternalId: text('contact_external_id').notNull(),
    contactId: uuid('contact_id').references(() => contacts.id, { onDelete: 'set null' }),
    number: text('number').notNull().default(''),
    reference: text('reference').notNull().default(''),
    issueDate: date('issue_date', { mode: 'string' }).notNull(),
    dueDate: date('due_date', { mode: 'string' }),
    currency: text('currency').notNull(),
    currencyRate: numeric('currency_rate', { precision: 19, scale: 10 }).notNull().default('1'),
    subTotal: money('sub_total').notNull().default('0'),
    totalTax: money('total_tax').notNull().default('0'),
    total: money('total').notNull(),
    amountDue: money('amount_due').notNull(),
    amountPaid: money('amount_paid').notNull().default('0'),
    amountCredited: money('amount_credited').notNull().default('0'),
    /** QuickBooks `Deposit`: a settlement on the issue date (migration 0013, docs/decisions/013-qbo-settlements.md). */
    deposit: money('deposit').notNull().default('0'),
    /** draft | submitted | authorised | paid | voided | deleted (normalised across ledgers). */
    status: text('status').notNull(),
    fullyPaidOn: date('fully_paid_on', { mode: 'string' }),
    url: text('url'),
    ledgerUpdatedAt: timestamp('ledger_updated_at', { withTimezone: true }),
    raw: jsonb('raw'),
    syncedAt: timestamp('synced_at', { withTimezone: true }).notNull().defaultNow(),
    /** Hash of the lines as last synced (migration 0057); null until synced since. */
    linesSignature: text('lines_signature'),
    /** First time the ledger changed this issued invoice's total, lines or due date (migration 0057; billing accuracy's "Amended"). */
    amendedAt: timestamp('amended_at', { withTimezone: true }),
    /*
     * Settlement summary, maintained by database triggers from payment_allocations and
     * credit_note_allocations (migrations 0002 and 0005; see server/analytics/README.md).
     * Application code never writes these: any value written is recomputed on insert/update.
     * - settlement_days: the distinct dates of counted allocations, ascending;
     * - settled_on: the day the balance reached zero and stayed there (never before issue),
     *   the issue date for a zero total, null while outstanding;
     * - base_total: the total in the organisation's base currency, minor units (cents rounded
     *   half away from zero, then the invoice's own rate applied half-even);
     * - base_settled_cum: the settled amount by the end of each settlement day, converted the
     *   same way (cumulatively, as convertInvoices does).
     */
    settledOn: date('settled_on', { mode: 'string' }),
    settlementDays: date('settlement_days', { mode: 'string' }).array().notNull().default(sql`'{}'::date[]`),
    baseTotal: bigint('base_total', { mode: 'number' }).notNull().default(0),
    baseSettledCum: bigint('base_settled_cum', { mode: 'number' }).array().notNull().default(sql`'{}'::bigint[]`),
  },
  (t) => [
    uniqueIndex('invoices_org_external_key').on(t.organisationId, t.externalId),
    index('invoices_firm_org_status_idx').on(t.firmId, t.organisationId, t.status),
    index('invoices_org_contact_idx').on(t.organisationId, t.contactExternalId),
    // Portfolio analytics: invoices still open after a day, and invoices issued in a range.
    index('invoices_firm_settled_idx').on(t.firmId, t.settledOn),
    index('invoices_firm_issue_idx').on(t.firmId, t.issueDate),
    // Rates from the ledgers: the latest invoice in a currency (migration 0018).
    index('invoices_firm_currency_issue_idx').on(t.firmId, t.currency, t.issueDate),
    index('invoices_org_currency_issue_idx').on(t.organisationId, t.currency, t.issueDate),
    // The Invoices list (migration 0048, decision 045): invoices not settled by a day; the list's order (issue date newest first, number, ledger id).
    index('invoices_firm_org_settled_idx').on(t.firmId, t.organisationId, t.settledOn),
    index('invoices_firm_org_last_settlement_idx').on(t.firmId, t.organisationId, sql`(settlement_days[cardinality(settlement_days)])`),
    index('invoices_firm_org_list_idx').on(t.firmId, t.organisationId, t.issueDate.desc(), sql`${t.number} COLLATE "C"`, sql`${t.externalId} COLLATE "C"`),
    index('invoices_firm_org_unlinked_contact_idx').on(t.firmId, t.organisationId, t.contactExternalId).where(sql`${t.contactId} IS NULL`),
    // The dashboard's currencies: a skip scan over the counted invoices (migration 0074, decision 069).
    index('invoices_firm_org_counted_currency_idx').on(t.firmId, t.organisationId, t.currency).where(sql`${t.status} NOT IN ('draft', 'submitted', 'voided', 'deleted') AND ${t.total} >= 0`),
  ],
);

export const invoiceLines = pgTable(
  'invoice_lines',
  {
    id: id(),
    firmId: uuid('firm_id').notNull(),
    invoiceId: uuid('invoice_id')
      .notNull()
      .references(() => invoices.id, { onDelete: 'cascade' }),
    lineNo: integer('line_no').notNull(),
    externalId: text('external_id'),
    description: text('description').notNull().default(''),
    quantity: numeric('quantity', { precision: 19, scale: 4 }).notNull().default('1'),
    unitAmount: money('unit_amount').notNull().default('0'),
    lineAmount: money('line_amount').notNull(),
    taxAmount: money('tax_amount').notNull().default('0'),
    /** The ledger's tax code (Xero TaxType, QuickBooks TaxCodeRef), migration 0066; null when none was sent. */
    taxCode: text('tax_code'),
    accountCode: text('account_code'),
    /** [{ name, option }] — Xero tracking categories or QuickBooks class/department. */
    tracking: jsonb('tracking').notNull().default([]),
  },
  (t) => [uniqueIndex('invoice_lines_invoice_line_key').on(t.invoiceId, t.lineNo)],
);

export const payments = pgTable(
  'payments',
  {
    id: id(),
    firmId: uuid('firm_id').notNull(),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    externalId: text('external_id').notNull(),
    contactExternalId: text('contact_external_id'),
    date: date('date', { mode: 'string' }).notNull(),
    currency: text('currency').notNull(),
    currencyRate: numeric('currency_rate', { precision: 19, scale: 10 }).notNull().default('1'),
    amount: money('amount').notNull(),
    reference: text('reference').notNull().default(''),
    /** authorised | deleted */
    status: text('status').notNull(),
    ledgerUpdatedAt: timestamp('ledger_updated_at', { withTimezone: true }),
    raw: jsonb('raw'),
    syncedAt: timestamp('synced_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('payments_org_external_key').on(t.organisationId, t.externalId), index('payments_firm_org_idx').on(t.firmId, t.organisationId)],
);

export const paymentAllocations = pgTable(
  'payment_allocations',
  {
    id: id(),
    firmId: uuid('firm_id').notNull(),
    organisationId: uuid('organisation_id').notNull(),
    paymentId: uuid('payment_id')
      .notNull()
      .references(() => payments.id, { onDelete: 'cascade' }),
    invoiceExternalId: text('invoice_external_id').notNull(),
    amount: money('amount').notNull(),
    date: date('date', { mode: 'string' }).notNull(),
  },
  (t) => [uniqueIndex('payment_allocations_payment_invoice_key').on(t.paymentId, t.invoiceExternalId), index('payment_allocations_org_invoice_idx').on(t.organisationId, t.invoiceExternalId), index('payment_allocations_firm_org_invoice_idx').on(t.firmId, t.organisationId, t.invoiceExternalId)],
);

export const creditNotes = pgTable(
  'credit_notes',
  {
    id: id(),
    firmId: uuid('firm_id').notNull(),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    externalId: text('external_id').notNull(),
    contactExternalId: text('contact_external_id').notNull(),
    number: text('number').notNull().default(''),
    date: date('date', { mode: 'string' }).notNull(),
    currency: text('currency').notNull(),
    total: money('total').notNull(),
    remainingCredit: money('remaining_credit').notNull(),
    status: text('status').notNull(),
    ledgerUpdatedAt: timestamp('ledger_updated_at', { withTimezone: true }),
    raw: jsonb('raw'),
    syncedAt: timestamp('synced_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('credit_notes_org_external_key').on(t.organisationId, t.externalId), index('credit_notes_firm_org_idx').on(t.firmId, t.organisationId)],
);

export const creditNoteAllocations = pgTable(
  'credit_note_allocations',
  {
    id: id(),
    firmId: uuid('firm_id').notNull(),
    organisationId: uuid('organisation_id').notNull(),
    creditNoteId: uuid('credit_note_id')
      .notNull()
      .references(() => creditNotes.id, { onDelete: 'cascade' }),
    /** The ledger's allocation id where it has one, else a stable key derived by the mapper. */
    externalId: text('external_id').notNull(),
    invoiceExternalId: text('invoice_external_id').notNull(),
    amount: money('amount').notNull(),
    date: date('date', { mode: 'string' }).notNull(),
  },
  (t) => [uniqueIndex('credit_note_allocations_key').on(t.creditNoteId, t.externalId), index('credit_note_allocations_org_invoice_idx').on(t.organisationId, t.invoiceExternalId), index('credit_note_allocations_firm_org_invoice_idx').on(t.firmId, t.organisationId, t.invoiceExternalId)],
);

/**
 * Xero overpayments and prepayments (migration 0012, docs/decisions/012-xero-settlements.md): credits a customer's
 * money created, allocated to invoices like credit notes. Xero counts their allocations in an
 * invoice's AmountCredited; so do the settlement triggers.
 */
export const prepayments = pgTable(
  'prepayments',
  {
    id: id(),
    firmId: uuid('firm_id').notNull(),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    externalId: text('external_id').notNull(),
    /** overpayment | prepayment */
    kind: text('kind').notNull(),
    contactExternalId: text('contact_external_id').notNull(),
    date: date('date', { mode: 'string' }).notNull(),
    currency: text('currency').notNull(),
    currencyRate: numeric('currency_rate', { precision: 19, scale: 10 }).notNull().default('1'),
    total: money('total').notNull(),
    remainingCredit: money('remaining_credit').notNull(),
    reference: text('reference').notNull().default(''),
    /** authorised | paid | voided | deleted */
    status: text('status').notNull(),
    ledgerUpdatedAt: timestamp('ledger_updated_at', { withTimezone: true }),
    raw: jsonb('raw'),
    syncedAt: timestamp('synced_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('prepayments_org_external_key').on(t.organisationId, t.externalId), index('prepayments_firm_org_idx').on(t.firmId, t.organisationId)],
);

export const prepaymentAllocations = pgTable(
  'prepayment_allocations',
  {
    id: id(),
    firmId: uuid('firm_id').notNull(),
    organisationId: uuid('organisation_id').notNull(),
    prepaymentId: uuid('prepayment_id')
      .notNull()
      .references(() => prepayments.id, { onDelete: 'cascade' }),
    /** The ledger's allocation id where it has one, else a stable key derived by the mapper. */
    externalId: text('external_id').notNull(),
    invoiceExternalId: text('invoice_external_id').notNull(),
    amount: money('amount').notNull(),
    date: date('date', { mode: 'string' }).notNull(),
  },
  (t) => [uniqueIndex('prepayment_allocations_key').on(t.prepaymentId, t.externalId), index('prepayment_allocations_org_invoice_idx').on(t.organisationId, t.invoiceExternalId), index('prepayment_allocations_firm_org_invoice_idx').on(t.firmId, t.organisationId, t.invoiceExternalId)],
);

/** One timeline / audit log of everything Arcus or a person did. */
export const activities = pgTable(
  'activities',
  {
    id: id(),
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firms.id, { onDelete: 'cascade' }),
    organisationId: uuid('organisation_id').references(() => organisations.id, { onDelete: 'cascade' }),
    actorUserId: uuid('actor_user_id').references(() => users.id, { onDelete: 'set null' }),
    /** 'user' | 'system' | 'debtor' */
    actorType: text('actor_type').notNull(),
    /** e.g. 'auth.sign_in', 'organisation.connected', 'sync.completed', 'reminder.sent' */
    kind: text('kind').notNull(),
    contactId: uuid('contact_id'),
    invoiceId: uuid('invoice_id'),
    summary: text('summary').notNull(),
    details: jsonb('details').notNull().default({}),
    createdAt: createdAt(),
  },
  (t) => [
    index('activities_firm_created_idx').on(t.firmId, t.createdAt),
    index('activities_org_contact_idx').on(t.organisationId, t.contactId),
    // One organisation's timeline, newest first (migration 0048).
    index('activities_firm_org_created_idx').on(t.firmId, t.organisationId, t.createdAt.desc(), t.id.desc()),
    // The activities that can put an invoice in motion, for the worklist's ranking (migration 0075).
    index('activities_firm_org_motion_idx')
      .on(t.firmId, t.organisationId, t.createdAt)
      .where(sql`${t.kind} IN ('promise.recorded', 'invoice.disputed', 'dispute.resolved', 'plan.created', 'plan.ended', 'reminder.sent', 'contact.contacted', 'call.logged')`),
  ],
);

export const syncRuns = pgTable(
  'sync_runs',
  {
    id: id(),
    firmId: uuid('firm_id').notNull(),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    kind: syncKindEnum('kind').notNull(),
    status: syncStatusEnum('status').notNull().default('queued'),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    /** { contacts, invoices, payments, creditNotes } upserted. */
    counts: jsonb('counts').notNull().default({}),
    apiCalls: integer('api_calls').notNull().default(0),
    errors: jsonb('errors').notNull().default([]),
    progress: integer('progress').notNull().default(0),
    /** Where a deferred run resumes (entity, keyset position); the checkpoint moves only at the end. */
    cursor: jsonb('cursor').notNull().default({}),
    deferredUntil: timestamp('deferred_until', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [index('sync_runs_org_created_idx').on(t.organisationId, t.createdAt)],
);

/** Webhook events seen, so a redelivered event is processed once. */
export const webhookEvents = pgTable(
  'webhook_events',
  {
    id: id(),
    provider: providerEnum('provider').notNull(),
    eventId: text('event_id').notNull(),
    firmId: uuid('firm_id'),
    organisationId: uuid('organisation_id'),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
    payload: jsonb('payload').notNull(),
  },
  (t) => [uniqueIndex('webhook_events_provider_event_key').on(t.provider, t.eventId)],
);

/**
 * Exchange rates the firm maintains for its portfolio: one unit of `currency` is
 * `rate_to_reporting` units of `reporting_currency` as of a day. A rate only applies while
 * `reporting_currency` is the firm's reporting currency; an organisation without a rate is
 * shown in its own currency and left out of portfolio totals.
 */
export const exchangeRates = pgTable(
  'exchange_rates',
  {
    id: id(),
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firms.id, { onDelete: 'cascade' }),
    currency: text('currency').notNull(),
    reportingCurrency: text('reporting_currency').notNull(),
    rateToReporting: numeric('rate_to_reporting', { precision: 19, scale: 10 }).notNull(),
    asOf: date('as_of', { mode: 'string' }).notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('exchange_rates_firm_pair_as_of_key').on(t.firmId, t.currency, t.reportingCurrency, t.asOf)],
);

export const targetMetricEnum = pgEnum('target_metric', ['dso', 'cei', 'overdue_pct', 'dbt']);
export const targetGoalKindEnum = pgEnum('target_goal_kind', ['relative', 'absolute']);

/**
 * A goal for one organisation's metric, e.g. DSO −15% (relative) by a due date, measured
 * from a baseline value on a baseline date. Progress is computed on read, never stored.
 */
export const targets = pgTable(
  'targets',
  {
    id: id(),
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firms.id, { onDelete: 'cascade' }),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    metric: targetMetricEnum('metric').notNull(),
    baselineValue: numeric('baseline_value', { precision: 12, scale: 2 }).notNull(),
    baselineDate: date('baseline_date', { mode: 'string' }).notNull(),
    goalKind: targetGoalKindEnum('goal_kind').notNull(),
    /** relative: percent change from the baseline (−15 = 15% lower); absolute: the value to reach. */
    goalValue: numeric('goal_value', { precision: 12, scale: 2 }).notNull(),
    dueDate: date('due_date', { mode: 'string' }).notNull(),
    note: text('note').notNull().default(''),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('targets_firm_org_idx').on(t.firmId, t.organisationId)],
);

/**
 * Scoring (issue 6; server/scoring/README.md). Collectors work on organisations: a collector
 * with assignments sees those organisations on the worklist, one without any sees all of the
 * firm's; admins see everything.
 */
export const organisationAssignments = pgTable(
  'organisation_assignments',
  {
    id: id(),
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firms.id, { onDelete: 'cascade' }),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('organisation_assignments_org_user_key').on(t.organisationId, t.userId), index('organisation_assignments_firm_user_idx').on(t.firmId, t.userId)],
);

/**
 * Assignment (migration 0027; docs/decisions/023-assignment-and-my-work.md): an organisation's
 * owner (an administrator or a manager) and each customer's collector, by the customer's external
 * id. Both point at the membership, so a member's removal removes them.
 */
export const organisationOwners = pgTable(
  'organisation_owners',
  {
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firms.id, { onDelete: 'cascade' }),
    organisationId: uuid('organisation_id').notNull(),
    userId: uuid('user_id').notNull(),
    assignedByUserId: uuid('assigned_by_user_id').references(() => users.id, { onDelete: 'set null' }),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.firmId, t.organisationId] })],
);

/** A target's owner in the action plan (migration 0029): a membership, like organisation_owners. */
export const targetOwners = pgTable(
  'target_owners',
  {
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firms.id, { onDelete: 'cascade' }),
    targetId: uuid('target_id').notNull(),
    userId: uuid('user_id').notNull(),
    assignedByUserId: uuid('assigned_by_user_id').references(() => users.id, { onDelete: 'set null' }),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.firmId, t.targetId] })],
);

export const customerAssignments = pgTable(
  'customer_assignments',
  {
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firms.id, { onDelete: 'cascade' }),
    organisationId: uuid('organisation_id').notNull(),
    contactExternalId: text('contact_external_id').notNull(),
    userId: uuid('user_id').notNull(),
    assignedByUserId: uuid('assigned_by_user_id').references(() => users.id, { onDelete: 'set null' }),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.firmId, t.organisationId, t.contactExternalId] }), index('customer_assignments_user_idx').on(t.firmId, t.userId)],
);

/** One row per open invoice, rewritten by each scoring run of its organisation. */
export const invoiceScores = pgTable(
  'invoice_scores',
  {
    invoiceId: uuid('invoice_id')
      .primaryKey()
      .references(() => invoices.id, { onDelete: 'cascade' }),
    firmId: uuid('firm_id').notNull(),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    contactExternalId: text('contact_external_id').notNull(),
    currency: text('currency').notNull(),
    /** Balance when scored, in the invoice's currency and in the organisation's base currency. */
    amountDue: money('amount_due').notNull(),
    amountDueBase: money('amount_due_base').notNull(),
    pLate: doublePrecision('p_late').notNull(),
    predictedDate: date('predicted_date', { mode: 'string' }).notNull(),
    lowDate: date('low_date', { mode: 'string' }).notNull(),
    highDate: date('high_date', { mode: 'string' }).notNull(),
    /** amount_due × p_late, in the invoice's currency. */
    amountAtRisk: money('amount_at_risk').notNull(),
    /** Days from issue to settlement at quantiles 0, 5, …, 100 %, given the invoice is still open. */
    payQuantiles: doublePrecision('pay_quantiles').array().notNull(),
    /** Weight of the firm-wide prior in the blend (0 = the organisation's own model only). */
    priorWeight: doublePrecision('prior_weight').notNull(),
    /** [{ code, text, contribution }], most important first. */
    reasons: jsonb('reasons').notNull().default([]),
    scoredOn: date('scored_on', { mode: 'string' }).notNull(),
    scoredAt: timestamp('scored_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('invoice_scores_firm_org_idx').on(t.firmId, t.organisationId), index('invoice_scores_firm_org_contact_idx').on(t.firmId, t.organisationId, t.contactExternalId)],
);

/** One row per customer (ledger contact) with invoices, rewritten by each scoring run. */
export const customerScores = pgTable(
  'customer_scores',
  {
    id: id(),
    firmId: uuid('firm_id').notNull(),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    contactId: uuid('contact_id'),
    contactExternalId: text('contact_external_id').notNull(),
    /** 0–100 (customerRisk). */
    score: integer('score').notNull(),
    /** reliable | slow | chronic_late | deteriorating | bad_debt_risk | new */
    segment: text('segment').notNull(),
    pLate: doublePrecision('p_late').notNull(),
    settledCount: integer('settled_count').notNull(),
    openCount: integer('open_count').notNull(),
    priorWeight: doublePrecision('prior_weight').notNull(),
    reasons: jsonb('reasons').notNull().default([]),
    scoredAt: timestamp('scored_at', { withTimezone: true }).notNull(),
  },
  (t) => [uniqueIndex('customer_scores_org_contact_key').on(t.organisationId, t.contactExternalId), index('customer_scores_firm_org_idx').on(t.firmId, t.organisationId)],
);

/** Each customer's score per month (the latest of the month), for "change since last month". */
export const customerScoreHistory = pgTable(
  'customer_score_history',
  {
    id: id(),
    firmId: uuid('firm_id').notNull(),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    contactExternalId: text('contact_external_id').notNull(),
    /** The first day of the month, in the organisation's time zone. */
    month: date('month', { mode: 'string' }).notNull(),
    score: integer('score').notNull(),
    segment: text('segment').notNull(),
    recordedAt: timestamp('recorded_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('customer_score_history_key').on(t.organisationId, t.contactExternalId, t.month)],
);

/** Fitted models (JSON of the pure ScoringModel), per firm ('firm') or organisation (its id). */
export const scoringModels = pgTable(
  'scoring_models',
  {
    id: id(),
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firms.id, { onDelete: 'cascade' }),
    scopeKey: text('scope_key').notNull(),
    fittedOn: date('fitted_on', { mode: 'string' }).notNull(),
    /** What the model was fitted on (settled count, last settlement, …): refit when it changes. */
    fingerprint: text('fingerprint').notNull(),
    nTrain: integer('n_train').notNull(),
    model: jsonb('model').notNull(),
    /** Which organisations' rows the fit received, and how many settled rows each (server/scoring/data-use.ts; migration 0021). */
    trainedOn: jsonb('trained_on')
      .$type<{ rows: number; organisations: { organisationId: string; rows: number }[] }>()
      .notNull()
      .default({ rows: 0, organisations: [] }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('scoring_models_firm_scope_key').on(t.firmId, t.scopeKey)],
);

/** Per organisation: the last scoring run, and cached results ('backtest', 'last_quarter'). */
export const scoringCache = pgTable(
  'scoring_cache',
  {
    id: id(),
    firmId: uuid('firm_id').notNull(),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    kind: text('kind').notNull(),
    asOf: date('as_of', { mode: 'string' }).notNull(),
    fingerprint: text('fingerprint').notNull(),
    payload: jsonb('payload').notNull(),
    computedAt: timestamp('computed_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('scoring_cache_org_kind_key').on(t.organisationId, t.kind)],
);

/** Express sessions (infrastructure; scoped by the user inside `data`). */
export const sessions = pgTable(
  'sessions',
  {
    sid: text('sid').primaryKey(),
    data: jsonb('data').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('sessions_expires_idx').on(t.expiresAt)],
);

/** Jobs recorded by the in-process queue and by BullMQ handlers alike (for the UI and tests). */
export const jobEvents = pgTable(
  'job_events',
  {
    id: id(),
    firmId: uuid('firm_id'),
    job: text('job').notNull(),
    jobId: text('job_id').notNull(),
    status: text('status').notNull(),
    attempt: integer('attempt').notNull(),
    detail: text('detail'),
    createdAt: createdAt(),
  },
  (t) => [index('job_events_job_idx').on(t.job, t.jobId)],
);

// ---- Reminders (issue 7) -----------------------------------------------------------------------

/**
 * Per-organisation reminder settings: on/off, the local sending window and business days (in
 * the organisation's time zone), the daily limit and the branding of its emails.
 */
export const reminderSettings = pgTable('reminder_settings', {
  organisationId: uuid('organisation_id')
    .primaryKey()
    .references(() => organisations.id, { onDelete: 'cascade' }),
  firmId: uuid('firm_id')
    .notNull()
    .references(() => firms.id, { onDelete: 'cascade' }),
  enabled: boolean('enabled').notNull().default(false),
  /** Minutes after local midnight: sends happen in [start, end). */
  windowStartMinute: integer('window_start_minute').notNull().default(540),
  windowEndMinute: integer('window_end_minute').notNull().default(1020),
  /** ISO weekdays (1 = Monday … 7 = Sunday) on which reminders go out. */
  businessDays: integer('business_days').array().notNull().default(sql`'{1,2,3,4,5}'::integer[]`),
  dailyLimit: integer('daily_limit').notNull().default(200),
  senderName: text('sender_name'),
  replyTo: text('reply_to'),
  brandColour: text('brand_colour').notNull().default('#1c7ed6'),
  logoUrl: text('logo_url'),
  signature: text('signature').notNull().default(''),
  /** At most this many reminders per customer per local day (migration 0017). */
  customerDailyLimit: integer('customer_daily_limit').notNull().default(1),
  /** A manual run that would send more emails than this needs a previewed confirmation. */
  confirmAbove: integer('confirm_above').notNull().default(20),
  /** The first confirmed run; until then scheduled runs send nothing. */
  confirmedAt: timestamp('confirmed_at', { withTimezone: true }),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/** A previewed run a person confirmed (migration 0017): the claim keys it may send, single use. */
export const reminderRunConfirmations = pgTable(
  'reminder_run_confirmations',
  {
    id: id(),
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firms.id, { onDelete: 'cascade' }),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    tokenHash: text('token_hash').notNull(),
    sendKeys: jsonb('send_keys').$type<string[]>().notNull().default([]),
    emailCount: integer('email_count').notNull(),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('reminder_run_confirmations_token_key').on(t.tokenHash), index('reminder_run_confirmations_org_idx').on(t.organisationId, t.createdAt)],
);

/** Email templates in the merge language of server/reminders/merge.ts; organisation_id null = firm-wide. */
export const reminderTemplates = pgTable(
  'reminder_templates',
  {
    id: id(),
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firms.id, { onDelete: 'cascade' }),
    organisationId: uuid('organisation_id').references(() => organisations.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    subject: text('subject').notNull(),
    bodyHtml: text('body_html').notNull(),
    bodyText: text('body_text').notNull(),
    /** 'en' | 'fr' | 'de' | 'es' | 'nl' (migration 0044). */
    language: text('language').notNull().default('en'),
    /** The template this one translates (the one steps name); null for a root template. */
    translationOf: uuid('translation_of'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('reminder_templates_firm_idx').on(t.firmId)],
);

/**
 * Dunning policies: steps relative to the due date. `scope_key` names what the policy is for
 * ('firm', 'org:<id>', 'segment:<name>', 'org:<id>:segment:<name>', 'org:<id>:customer:<external id>'),
 * one policy per scope; the most specific one applies (server/reminders/policy.ts).
 */
export const reminderPolicies = pgTable(
  'reminder_policies',
  {
    id: id(),
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firms.id, { onDelete: 'cascade' }),
    organisationId: uuid('organisation_id').references(() => organisations.id, { onDelete: 'cascade' }),
    /** 'firm' | 'organisation' | 'segment' | 'customer' */
    scope: text('scope').notNull(),
    scopeKey: text('scope_key').notNull(),
    segment: text('segment'),
    contactExternalId: text('contact_external_id'),
    name: text('name').notNull(),
    /** 'invoice': one email per invoice and step; 'customer': one email per customer per day listing all overdue invoices. */
    grouping: text('grouping').notNull().default('invoice'),
    /** [{ key, offsetDays, channel, templateId, approval, repeatEveryDays?, repeatMax? }] */
    steps: jsonb('steps').notNull().default([]),
    enabled: boolean('enabled').notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('reminder_policies_scope_key').on(t.firmId, t.scopeKey)],
);

/** Arcus-side settings for a ledger customer, keyed by its ledger id so they survive resyncs. */
export const reminderCustomers = pgTable(
  'reminder_customers',
  {
    id: id(),
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firms.id, { onDelete: 'cascade' }),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    contactExternalId: text('contact_external_id').notNull(),
    excluded: boolean('excluded').notNull().default(false),
    pausedUntil: date('paused_until', { mode: 'string' }),
    pauseReason: text('pause_reason'),
    /** The customer's group for policy overrides. */
    segment: text('segment'),
    /** Recipients set in Arcus, replacing the ledger contact's (null = from the ledger). */
    recipients: jsonb('recipients'),
    /** The customer's language (migration 0044; null = the organisation's). Neither ledger has one. */
    language: text('language'),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('reminder_customers_org_contact_key').on(t.organisationId, t.contactExternalId), index('reminder_customers_firm_idx').on(t.firmId)],
);

/** An invoice excluded from reminders or paused until a date. */
export const reminderInvoiceHolds = pgTable(
  'reminder_invoice_holds',
  {
    id: id(),
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firms.id, { onDelete: 'cascade' }),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    invoiceExternalId: text('invoice_external_id').notNull(),
    excluded: boolean('excluded').notNull().default(false),
    pausedUntil: date('paused_until', { mode: 'string' }),
    reason: text('reason'),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('reminder_invoice_holds_org_invoice_key').on(t.organisationId, t.invoiceExternalId)],
);

/** Addresses that unsubscribed (signed link or staff), per customer; Arcus data, kept across resyncs. */
export const reminderUnsubscribes = pgTable(
  'reminder_unsubscribes',
  {
    id: id(),
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firms.id, { onDelete: 'cascade' }),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    contactExternalId: text('contact_external_id').notNull(),
    /** Lower-cased address. */
    address: text('address').notNull(),
    /** 'link' | 'staff' */
    source: text('source').notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('reminder_unsubscribes_key').on(t.organisationId, t.contactExternalId, t.address)],
);

/**
 * One row per (subject, step): claimed before the email is sent, completed after. Subject is an
 * invoice (external id) or, for grouped emails, a customer (external id) with step 'day:<local date>';
 * the invoices a grouped email covers get their own rows with status 'grouped' and parent_id.
 * status: pending_approval | awaiting_client | claimed | sending | sent | failed_temporary | failed_permanent | skipped | grouped.
 */
export const reminderSends = pgTable(
  'reminder_sends',
  {
    id: uuid('id').primaryKey(),
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firms.id, { onDelete: 'cascade' }),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    subjectType: text('subject_type').notNull(),
    subjectId: text('subject_id').notNull(),
    stepKey: text('step_key').notNull(),
    parentId: uuid('parent_id'),
    contactExternalId: text('contact_external_id').notNull(),
    invoiceExternalIds: text('invoice_external_ids').array().notNull().default(sql`'{}'::text[]`),
    policyId: uuid('policy_id'),
    templateId: uuid('template_id'),
    stepNumber: integer('step_number').notNull().default(1),
    stepOffset: integer('step_offset').notNull().default(0),
    channel: text('channel').notNull().default('email'),
    approval: text('approval').notNull().default('auto'),
    status: text('status').notNull(),
    skipReason: text('skip_reason'),
    /** The organisation's local day the send was planned for. */
    plannedFor: date('planned_for', { mode: 'string' }).notNull(),
    leaseUntil: timestamp('lease_until', { withTimezone: true }),
    attempts: integer('attempts').notNull().default(0),
    /** The local day whose daily limit this send counted against (set once). */
    quotaDay: date('quota_day', { mode: 'string' }),
    /** Deterministic, from the row id: the same message on every attempt. */
    messageId: text('message_id').notNull(),
    /** Reply+<token>@… (migration 0037): a random id with no meaning, made by the database at claim time. */
    replyToken: text('reply_token').default(sql`replace(gen_random_uuid()::text, '-', '')`),
    recipients: jsonb('recipients').notNull().default([]),
    rejected: jsonb('rejected').notNull().default([]),
    /**
     * The mail server's acceptance (`{ at, response, rejected }`), recorded by one UPDATE right after
     * its 250 and before anything else: a worker that dies after that is never sent again (0016).
     */
    handoff: jsonb('handoff'),
    subjectLine: text('subject_line'),
    bodyText: text('body_text'),
    bodyHtml: text('body_html'),
    error: text('error'),
    claimedAt: timestamp('claimed_at', { withTimezone: true }).notNull(),
    sentAt: timestamp('sent_at', { withTimezone: true }),
    approvedBy: uuid('approved_by').references(() => users.id, { onDelete: 'set null' }),
    approvedAt: timestamp('approved_at', { withTimezone: true }),
    /** Waits for a client contact (migration 0030; docs/decisions/024): decided when claimed. */
    needsClientApproval: boolean('needs_client_approval').notNull().default(false),
    clientDecidedByUserId: uuid('client_decided_by_user_id').references(() => users.id, { onDelete: 'set null' }),
    clientDecidedAt: timestamp('client_decided_at', { withTimezone: true }),
    clientDecisionNote: text('client_decision_note'),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    uniqueIndex('reminder_sends_claim_key').on(t.firmId, t.organisationId, t.subjectType, t.subjectId, t.stepKey),
    index('reminder_sends_org_status_idx').on(t.organisationId, t.status),
    index('reminder_sends_org_claimed_idx').on(t.organisationId, t.claimedAt),
    index('reminder_sends_parent_idx').on(t.parentId),
    index('reminder_sends_org_contact_idx').on(t.organisationId, t.contactExternalId),
    index('reminder_sends_reply_token_idx').on(t.replyToken),
    // The outbox, most recent first (migration 0048).
    index('reminder_sends_firm_org_recent_idx').on(t.firmId, t.organisationId, sql`(coalesce(${t.sentAt}, ${t.updatedAt})) DESC`, t.id.desc()),
  ],
);

/** Reminder sends counted per organisation and local day, for the daily limit. */
export const reminderDailyCounts = pgTable(
  'reminder_daily_counts',
  {
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    day: date('day', { mode: 'string' }).notNull(),
    count: integer('count').notNull().default(0),
  },
  (t) => [uniqueIndex('reminder_daily_counts_key').on(t.organisationId, t.day)],
);

/** Messages received by the embedded SMTP server (embedded mode only): the demo mailbox. */
export const mailboxMessages = pgTable(
  'mailbox_messages',
  {
    id: id(),
    firmId: uuid('firm_id'),
    messageId: text('message_id'),
    envelopeFrom: text('envelope_from').notNull().default(''),
    envelopeTo: text('envelope_to').array().notNull().default(sql`'{}'::text[]`),
    fromText: text('from_text').notNull().default(''),
    toText: text('to_text').notNull().default(''),
    subject: text('subject').notNull().default(''),
    text: text('text').notNull().default(''),
    html: text('html'),
    headers: jsonb('headers').notNull().default({}),
    size: integer('size').notNull().default(0),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('mailbox_messages_firm_received_idx').on(t.firmId, t.receivedAt), index('mailbox_messages_message_id_idx').on(t.messageId)],
);

/*
 * Write-backs (issue #8). Every change Arcus makes in a ledger is one `writebacks` row: its id
 * is the stable idempotency key (Xero Idempotency-Key, QuickBooks requestid), and it moves
 *   awaiting_approval → pending → sending → sent → confirmed
 * (or rejected / cancelled / failed). `source_key` makes the business event unique within a
 * firm, so a late fee for one period, or one checkout's payment, is requested only once.
 */
export const writebacks = pgTable(
  'writebacks',
  {
    id: id(),
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firms.id, { onDelete: 'cascade' }),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    /** pay_link | payment | credit_note | late_fee | plan_invoice | void | note (a reminder sent, a promise, a plan: the note is the write) */
    kind: text('kind').notNull(),
    /** Why: early_payment_discount | goodwill | fee_reversal | cancellation | late_fee | interest | instalment | … */
    purpose: text('purpose'),
    /** The business event this write-back is for, unique per firm (null: not deduplicated). */
    sourceKey: text('source_key'),
    invoiceId: uuid('invoice_id'),
    invoiceExternalId: text('invoice_external_id'),
    contactId: uuid('contact_id'),
    contactExternalId: text('contact_external_id'),
    /** The money moved (tax-inclusive), for approvals and the timeline; null for links and notes. */
    amount: money('amount'),
    currency: text('currency'),
    /** The kind's validated request (lines, dates, references). */
    request: jsonb('request').notNull().default({}),
    /** awaiting_approval | pending | sending | sent | confirmed | failed | rejected | cancelled */
    status: text('status').notNull(),
    /** The ledger object created (credit note, payment, invoice id). */
    externalId: text('external_id'),
    /** What the ledger answered and what was read back. */
    result: jsonb('result'),
    /** The line written onto the invoice inside the ledger after confirmation. */
    noteText: text('note_text'),
    /** none | pending | written | failed */
    noteStatus: text('note_status').notNull().default('none'),
    attempts: integer('attempts').notNull().default(0),
    /** Releases for answers that only meant "later" (429, 503, a timeout): they never spend `attempts`, they only pace the back-off. */
    deferrals: integer('deferrals').notNull().default(0),
    /** A note written together with others for the same invoice and day: the write-back that wrote them (itself for the writer). */
    noteBatchId: uuid('note_batch_id'),
    leaseUntil: timestamp('lease_until', { withTimezone: true }),
    /** The earliest the sweep may pick a released row up again: the delay its last attempt asked for (Retry-After, back-off, a pending card refund). Null: none asked; cleared by the lease (migration 0067). */
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }),
    error: text('error'),
    /** A write-back that undoes another (fee reversal, void). */
    reversesId: uuid('reverses_id'),
    reversedById: uuid('reversed_by_id'),
    /** user | system | debtor */
    requestedBy: text('requested_by').notNull(),
    requestedByUserId: uuid('requested_by_user_id').references(() => users.id, { onDelete: 'set null' }),
    decidedByUserId: uuid('decided_by_user_id').references(() => users.id, { onDelete: 'set null' }),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    decisionNote: text('decision_note'),
    /** Waits for a client contact of its organisation (the organisation's client-approval policy when requested; migration 0028). */
    needsClientApproval: boolean('needs_client_approval').notNull().default(false),
    clientDecidedByUserId: uuid('client_decided_by_user_id').references(() => users.id, { onDelete: 'set null' }),
    clientDecidedAt: timestamp('client_decided_at', { withTimezone: true }),
    clientDecisionNote: text('client_decision_note'),
    createdAt: createdAt(),
    sentAt: timestamp('sent_at', { withTimezone: true }),
    confirmedAt: timestamp('confirmed_at', { withTimezone: true }),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('writebacks_firm_source_key').on(t.firmId, t.sourceKey),
    index('writebacks_firm_status_idx').on(t.firmId, t.status),
    index('writebacks_org_invoice_idx').on(t.organisationId, t.invoiceId),
    index('writebacks_org_contact_idx').on(t.organisationId, t.contactExternalId),
  ],
);

/**
 * A debtor's pay link: one per invoice (invoice_id set) or per customer statement (invoice_id
 * null). Its token is derived, not stored (migration 0016), and the link can be revoked.
 */
export const payLinks = pgTable(
  'pay_links',
  {
    id: id(),
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firms.id, { onDelete: 'cascade' }),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    /** invoice | statement */
    scope: text('scope').notNull(),
    invoiceId: uuid('invoice_id'),
    contactExternalId: text('contact_external_id').notNull(),
    /** The token is never stored: it is HMAC(PAY_LINK_KEY, id, salt) (server/pay/link-tokens.ts). Null only on a link made before 0016. */
    tokenSalt: text('token_salt'),
    /** SHA-256 (hex) of the derived token, for the lookup. */
    tokenHash: text('token_hash'),
    /** SHA-256 (hex) of a token that can no longer be derived (made before 0016, or under a previous key): still accepted. */
    legacyTokenHash: text('legacy_token_hash'),
    createdAt: createdAt(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('pay_links_token_hash_key').on(t.tokenHash),
    uniqueIndex('pay_links_legacy_token_hash_key').on(t.legacyTokenHash),
    uniqueIndex('pay_links_invoice_key').on(t.organisationId, t.invoiceId),
    index('pay_links_org_contact_idx').on(t.organisationId, t.contactExternalId),
  ],
);

/**
 * A checkout opened with a payment provider from a pay link. `allocations` says which invoices
 * the amount pays ([{ invoiceId, amount, discount }]); completion (provider webhook or return,
 * whichever first) requests one `payment` write-back per invoice with source key
 * `payment:<checkout id>:<invoice id>`.
 */
export const checkouts = pgTable(
  'checkouts',
  {
    id: id(),
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firms.id, { onDelete: 'cascade' }),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    payLinkId: uuid('pay_link_id')
      .notNull()
      .references(() => payLinks.id, { onDelete: 'cascade' }),
    /** stripe | sandbox */
    provider: text('provider').notNull(),
    providerSessionId: text('provider_session_id'),
    providerPaymentId: text('provider_payment_id'),
    amount: money('amount').notNull(),
    currency: text('currency').notNull(),
    allocations: jsonb('allocations').notNull().default([]),
    /** open | completed | expired | failed */
    status: text('status').notNull().default('open'),
    completedAt: timestamp('completed_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('checkouts_provider_session_key').on(t.provider, t.providerSessionId), index('checkouts_pay_link_idx').on(t.payLinkId)],
);

/** An early-payment discount offered on one invoice: applied as a credit when paid in time, withdrawn after. */
export const discountOffers = pgTable(
  'discount_offers',
  {
    id: id(),
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firms.id, { onDelete: 'cascade' }),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    invoiceId: uuid('invoice_id').notNull(),
    /** Basis points of the amount due when offered (250 = 2.5 %). */
    rateBp: integer('rate_bp').notNull(),
    discount: money('discount').notNull(),
    currency: text('currency').notNull(),
    /** The last local day a payment earns the discount. */
    expiresOn: date('expires_on', { mode: 'string' }).notNull(),
    /** offered | applied | withdrawn */
    status: text('status').notNull().default('offered'),
    writebackId: uuid('writeback_id'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('discount_offers_invoice_key').on(t.organisationId, t.invoiceId), index('discount_offers_firm_status_idx').on(t.firmId, t.status)],
);

/** A customer's balance split into instalments. */
export const paymentPlans = pgTable(
  'payment_plans',
  {
    id: id(),
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firms.id, { onDelete: 'cascade' }),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    contactExternalId: text('contact_external_id').notNull(),
    contactId: uuid('contact_id'),
    /** weekly | fortnightly | monthly */
    frequency: text('frequency').notNull(),
    startDate: date('start_date', { mode: 'string' }).notNull(),
    total: money('total').notNull(),
    currency: text('currency').notNull(),
    /** The invoices the plan covers (ids), oldest first. */
    invoiceIds: uuid('invoice_ids').array().notNull().default(sql`'{}'::uuid[]`),
    /** Post each instalment to the ledger as a scheduled invoice. */
    postInvoices: boolean('post_invoices').notNull().default(false),
    /** active | completed | broken | cancelled */
    status: text('status').notNull().default('active'),
    /** Why the plan waits for the collector (its invoices changed in a way not recomputed by itself), in words; null: nothing to look at (0026). */
    attentionReason: text('attention_reason'),
    attentionAt: timestamp('attention_at', { withTimezone: true }),
    createdByUserId: uuid('created_by_user_id').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('payment_plans_org_contact_idx').on(t.organisationId, t.contactExternalId), index('payment_plans_firm_status_idx').on(t.firmId, t.status)],
);

export const paymentPlanInstalments = pgTable(
  'payment_plan_instalments',
  {
    id: id(),
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firms.id, { onDelete: 'cascade' }),
    planId: uuid('plan_id')
      .notNull()
      .references(() => paymentPlans.id, { onDelete: 'cascade' }),
    seq: integer('seq').notNull(),
    dueDate: date('due_date', { mode: 'string' }).notNull(),
    amount: money('amount').notNull(),
    /** due | paid | missed | cancelled (cut to nothing by a credit or a settled balance, 0026) */
    status: text('status').notNull().default('due'),
    paidOn: date('paid_on', { mode: 'string' }),
    /** The scheduled invoice's write-back, when the plan posts instalments as invoices. */
    writebackId: uuid('writeback_id'),
    reminderSentAt: timestamp('reminder_sent_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('payment_plan_instalments_plan_seq_key').on(t.planId, t.seq)],
);

// ---- Privacy (issue 14, migration 0015; server/privacy/README.md) ------------------------------

/** Retention periods per firm, in days (null: kept while the account exists). */
export const privacySettings = pgTable('privacy_settings', {
  firmId: uuid('firm_id')
    .primaryKey()
    .references(() => firms.id, { onDelete: 'cascade' }),
  emailBodyDays: integer('email_body_days'),
  activityNoteDays: integer('activity_note_days'),
  closedDebtorDays: integer('closed_debtor_days'),
  lastRunAt: timestamp('last_run_at', { withTimezone: true }),
  updatedAt: updatedAt(),
});

/** An erased debtor: the suppression marker database triggers apply to every later write (a sync's included). */
export const privacyErasures = pgTable(
  'privacy_erasures',
  {
    id: id(),
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firms.id, { onDelete: 'cascade' }),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    contactExternalId: text('contact_external_id').notNull(),
    /** debtor_request | retention | other */
    reason: text('reason').notNull(),
    retained: text('retained').notNull(),
    counts: jsonb('counts').notNull().default({}),
    requestedByUserId: uuid('requested_by_user_id').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('privacy_erasures_org_contact_key').on(t.organisationId, t.contactExternalId), index('privacy_erasures_firm_idx').on(t.firmId, t.createdAt)],
);

/** Who did what in the firm. Append-only: the app role can insert and read, never change or delete. */
export const auditLog = pgTable(
  'audit_log',
  {
    id: id(),
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firms.id, { onDelete: 'cascade' }),
    organisationId: uuid('organisation_id'),
    actorUserId: uuid('actor_user_id'),
    actorName: text('actor_name').notNull().default(''),
    /** user | system | debtor */
    actorType: text('actor_type').notNull(),
    action: text('action').notNull(),
    summary: text('summary').notNull(),
    details: jsonb('details').notNull().default({}),
    createdAt: createdAt(),
  },
  (t) => [index('audit_log_firm_created_idx').on(t.firmId, t.createdAt)],
);

/** A collector's follow-up (the next step of a logged call): open until someone marks it done (migration 0019). */
export const collectorTasks = pgTable(
  'collector_tasks',
  {
    id: id(),
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firms.id, { onDelete: 'cascade' }),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    contactId: uuid('contact_id'),
    /** The customer; null for an action-plan step on the organisation (migration 0029). */
    contactExternalId: text('contact_external_id'),
    invoiceId: uuid('invoice_id'),
    /** The call (activity) whose next step this is. */
    activityId: uuid('activity_id'),
    /** call | review | follow_up (migration 0029, docs/decisions/025). */
    kind: text('kind').notNull().default('follow_up'),
    /** What came of it, when done or skipped. */
    outcome: text('outcome'),
    /** The target this is a step of (an action plan); (target_id, firm_id) → targets. */
    targetId: uuid('target_id'),
    /** A call step's reminder send (migration 0046): at most one task per send. */
    sendId: uuid('send_id'),
    /** A call step's script, rendered with the customer's merge fields (migration 0046). */
    script: text('script'),
    title: text('title').notNull(),
    dueOn: date('due_on', { mode: 'string' }).notNull(),
    assignedUserId: uuid('assigned_user_id').references(() => users.id, { onDelete: 'set null' }),
    createdByUserId: uuid('created_by_user_id').references(() => users.id, { onDelete: 'set null' }),
    /** open | done | skipped */
    status: text('status').notNull().default('open'),
    doneAt: timestamp('done_at', { withTimezone: true }),
    doneByUserId: uuid('done_by_user_id').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('collector_tasks_customer_idx').on(t.organisationId, t.contactExternalId, t.status, t.dueOn), index('collector_tasks_assignee_idx').on(t.firmId, t.assignedUserId, t.status, t.dueOn)],
);

/**
 * Mail from the client, not from Arcus (migration 0023, docs/decisions/018-sender-identity.md):
 * an organisation's from address on its own domain, footer, uploaded logo, and the domain's
 * DKIM key (private key sealed) with the last DNS check. Sender name and reply-to: reminder_settings.
 */
export const senderIdentities = pgTable('sender_identities', {
  organisationId: uuid('organisation_id').primaryKey(),
  firmId: uuid('firm_id')
    .notNull()
    .references(() => firms.id, { onDelete: 'cascade' }),
  fromAddress: text('from_address'),
  footer: text('footer').notNull().default(''),
  /** Random, in the public URL /brand/logo/<key>; changes with every upload. */
  logoKey: text('logo_key'),
  logoType: text('logo_type'),
  /** base64 of the image (PNG or JPEG, at most 256 KB). */
  logoData: text('logo_data'),
  domain: text('domain'),
  dkimSelector: text('dkim_selector'),
  /** base64 DER (SubjectPublicKeyInfo): the `p=` of the DKIM record. */
  dkimPublicKey: text('dkim_public_key'),
  dkimPrivateKeyEnc: text('dkim_private_key_enc'),
  spfStatus: text('spf_status').notNull().default('unchecked'),
  dkimStatus: text('dkim_status').notNull().default('unchecked'),
  dmarcStatus: text('dmarc_status').notNull().default('unchecked'),
  checkedAt: timestamp('checked_at', { withTimezone: true }),
  /** Set by a check that found every record; cleared by one that did not, or by a new domain. */
  verifiedAt: timestamp('verified_at', { withTimezone: true }),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/** The organisations a client contact's membership may see (migration 0022); staff memberships have none and see all. */
export const membershipOrganisations = pgTable(
  'membership_organisations',
  {
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firms.id, { onDelete: 'cascade' }),
    userId: uuid('user_id').notNull(),
    organisationId: uuid('organisation_id').notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('membership_organisations_pkey').on(t.firmId, t.userId, t.organisationId), index('membership_organisations_org_idx').on(t.organisationId)],
);

/** An invitation to join the firm (migration 0022): only SHA-256 of its token is kept; single use, expiring. */
export const invitations = pgTable(
  'invitations',
  {
    id: id(),
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firms.id, { onDelete: 'cascade' }),
    email: text('email').notNull(),
    role: roleEnum('role').notNull(),
    /** A client contact's organisations. */
    organisationIds: uuid('organisation_ids').array().notNull().default(sql`'{}'::uuid[]`),
    tokenHash: text('token_hash').notNull(),
    invitedByUserId: uuid('invited_by_user_id').references(() => users.id, { onDelete: 'set null' }),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    acceptedAt: timestamp('accepted_at', { withTimezone: true }),
    acceptedUserId: uuid('accepted_user_id').references(() => users.id, { onDelete: 'set null' }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('invitations_token_hash_key').on(t.tokenHash), index('invitations_firm_idx').on(t.firmId, t.createdAt)],
);

/**
 * A Xero App Store subscription and the firm it pays for (migration 0024,
 * docs/decisions/019-app-store-billing.md). Written only from what the App Store API answers
 * (a webhook only says something changed). `firm_id` is null until a firm has connected the Xero
 * organisation the subscription names (`xero_organisation_id`).
 */
export const appStoreSubscriptions = pgTable(
  'app_store_subscriptions',
  {
    id: id(),
    firmId: uuid('firm_id').references(() => firms.id, { onDelete: 'set null' }),
    /** The App Store's subscription id. */
    subscriptionId: text('subscription_id').notNull(),
    /** The Xero organisation that subscribed (the subscription's `organisationId`). */
    xeroOrganisationId: text('xero_organisation_id').notNull(),
    /** ACTIVE | PAST_DUE | CANCELED, as Xero says it. */
    status: text('status').notNull(),
    planName: text('plan_name').notNull(),
    /** The metered subscription item usage is reported against, if the plan has one. */
    meteredItemId: text('metered_item_id'),
    startDate: timestamp('start_date', { withTimezone: true }).notNull(),
    currentPeriodEnd: timestamp('current_period_end', { withTimezone: true }).notNull(),
    endDate: timestamp('end_date', { withTimezone: true }),
    testMode: boolean('test_mode').notNull().default(false),
    refreshedAt: timestamp('refreshed_at', { withTimezone: true }).notNull(),
    linkedAt: timestamp('linked_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('app_store_subscriptions_subscription_key').on(t.subscriptionId), index('app_store_subscriptions_firm_idx').on(t.firmId), index('app_store_subscriptions_org_idx').on(t.xeroOrganisationId)],
);

/** Each App Store subscription event, stored once (provider's event identity), processed once. */
export const appStoreEvents = pgTable(
  'app_store_events',
  {
    id: id(),
    eventId: text('event_id').notNull(),
    subscriptionId: text('subscription_id').notNull(),
    firmId: uuid('firm_id').references(() => firms.id, { onDelete: 'set null' }),
    payload: jsonb('payload').notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
    processedAt: timestamp('processed_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('app_store_events_event_key').on(t.eventId)],
);

/** Metered usage reported to the App Store: one row per subscription and period, never two. */
export const appStoreUsageReports = pgTable(
  'app_store_usage_reports',
  {
    id: id(),
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firms.id, { onDelete: 'cascade' }),
    subscriptionId: text('subscription_id').notNull(),
    subscriptionItemId: text('subscription_item_id').notNull(),
    periodEnd: timestamp('period_end', { withTimezone: true }).notNull(),
    quantity: integer('quantity').notNull(),
    /** pending | reported */
    status: text('status').notNull().default('pending'),
    claimedAt: timestamp('claimed_at', { withTimezone: true }),
    reportedAt: timestamp('reported_at', { withTimezone: true }),
    usageRecordId: text('usage_record_id'),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('app_store_usage_reports_period_key').on(t.subscriptionId, t.periodEnd)],
);

/**
 * What waits for a client contact's approval, per organisation (migration 0028,
 * docs/decisions/024-client-approvals.md). No row: nothing does.
 */
export const clientApprovalPolicies = pgTable(
  'client_approval_policies',
  {
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firms.id, { onDelete: 'cascade' }),
    organisationId: uuid('organisation_id').notNull(),
    lateFees: boolean('late_fees').notNull().default(false),
    /** Credits above this amount (the organisation's currency) wait; null: none do. */
    creditsAbove: money('credits_above'),
    paymentPlans: boolean('payment_plans').notNull().default(false),
    /** Reminders (migration 0030): the first to a customer who never had one; steps after the first. */
    firstReminders: boolean('first_reminders').notNull().default(false),
    reminderEscalations: boolean('reminder_escalations').notNull().default(false),
    updatedByUserId: uuid('updated_by_user_id').references(() => users.id, { onDelete: 'set null' }),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.organisationId, t.firmId] })],
);

/** Sign-in links by email (migration 0028): only SHA-256 of the token is stored; single use, 15 minutes. */
export const signInLinks = pgTable(
  'sign_in_links',
  {
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firms.id, { onDelete: 'cascade' }),
    tokenHash: text('token_hash').notNull(),
    userId: uuid('user_id').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.firmId, t.tokenHash] }), index('sign_in_links_token_hash_idx').on(t.tokenHash), index('sign_in_links_user_idx').on(t.firmId, t.userId, t.createdAt)],
);

/**
 * One organisation's override of a firm default (migration 0033; docs/decisions/028): late fees,
 * early-payment discounts, the approval threshold, the sending window. No row: the firm default.
 * The client-approval policy's overrides are the rows of client_approval_policies.
 */
export const settingOverrides = pgTable(
  'setting_overrides',
  {
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firms.id, { onDelete: 'cascade' }),
    organisationId: uuid('organisation_id').notNull(),
    settingGroup: text('setting_group').notNull(),
    value: jsonb('value').notNull(),
    updatedByUserId: uuid('updated_by_user_id').references(() => users.id, { onDelete: 'set null' }),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.organisationId, t.firmId, t.settingGroup] })],
);

/**
 * The portfolio from rollups (migration 0032, docs/decisions/027-portfolio-rollups.md): per
 * organisation, its state at the end of each day on which it changes — balances by aging bucket,
 * cumulative sales and open invoices, in the base currency's minor units. Derived from invoices by
 * arcus_refresh_portfolio_rollups; application code never writes these rows.
 */
export const portfolioRollups = pgTable(
  'portfolio_rollups',
  {
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firms.id, { onDelete: 'cascade' }),
    organisationId: uuid('organisation_id').notNull(),
    day: date('day', { mode: 'string' }).notNull(),
    currency: text('currency').notNull(),
    arCurrent: bigint('ar_current', { mode: 'number' }).notNull(),
    arD1To30: bigint('ar_d1_30', { mode: 'number' }).notNull(),
    arD31To60: bigint('ar_d31_60', { mode: 'number' }).notNull(),
    arD61To90: bigint('ar_d61_90', { mode: 'number' }).notNull(),
    arD91Plus: bigint('ar_d91_plus', { mode: 'number' }).notNull(),
    salesCum: bigint('sales_cum', { mode: 'number' }).notNull(),
    openInvoices: integer('open_invoices').notNull(),
    /** Migration 0065 (decision 059): base settled by the day; over invoices settled for good by the day Σ base total, Σ total × days late, Σ total × days to pay; invoices issued by the day. */
    collectedCum: bigint('collected_cum', { mode: 'number' }).notNull().default(0),
    settledWeightCum: bigint('settled_weight_cum', { mode: 'number' }).notNull().default(0),
    lateDaysCum: numeric('late_days_cum').notNull().default('0'),
    payDaysCum: numeric('pay_days_cum').notNull().default('0'),
    issuedCum: integer('issued_cum').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.organisationId, t.firmId, t.day] })],
);

/** Organisations whose rollups a change has moved, from `from_day` on (set by triggers on invoices). */
export const portfolioRollupPending = pgTable(
  'portfolio_rollup_pending',
  {
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firms.id, { onDelete: 'cascade' }),
    organisationId: uuid('organisation_id').notNull(),
    fromDay: date('from_day', { mode: 'string' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.organisationId, t.firmId] }), index('portfolio_rollup_pending_firm_idx').on(t.firmId)],
);

/**
 * The dashboard's customers part (migration 0068, docs/decisions/064-customer-overdue-state.md):
 * per organisation and listed customer, its balance, overdue part, open invoices, oldest overdue
 * due day at the organisation's state day (`customerOverdueOrgs.asOf`), and `validUntil`, the
 * first later day on which they can change with no new data. Maintained by
 * arcus_refresh_customer_overdue / arcus_rebuild_customer_overdue from the marks triggers on
 * invoices and contacts leave; application code never writes these rows. `contact_external_id`
 * and `name` are `COLLATE "C"` in the migration (the Customers list's name order).
 */
export const customerOverdue = pgTable(
  'customer_overdue',
  {
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firms.id, { onDelete: 'cascade' }),
    organisationId: uuid('organisation_id').notNull(),
    contactExternalId: text('contact_external_id').notNull(),
    name: text('name').notNull(),
    balance: bigint('balance', { mode: 'number' }).notNull(),
    overdue: bigint('overdue', { mode: 'number' }).notNull(),
    openInvoices: integer('open_invoices').notNull(),
    oldestDue: date('oldest_due', { mode: 'string' }),
    validUntil: date('valid_until', { mode: 'string' }),
  },
  (t) => [
    primaryKey({ columns: [t.firmId, t.organisationId, t.contactExternalId] }),
    index('customer_overdue_top_idx').on(t.firmId, t.organisationId, t.overdue.desc(), sql`lower(${t.name})`, t.name, t.contactExternalId).where(sql`${t.overdue} > 0`),
    index('customer_overdue_valid_until_idx').on(t.firmId, t.organisationId, t.validUntil).where(sql`${t.validUntil} IS NOT NULL`),
  ],
);

/** Per organisation: the day `customerOverdue` holds, and the totals over its rows (customers listed, open invoices). */
export const customerOverdueOrgs = pgTable(
  'customer_overdue_orgs',
  {
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firms.id, { onDelete: 'cascade' }),
    organisationId: uuid('organisation_id').notNull(),
    asOf: date('as_of', { mode: 'string' }).notNull(),
    customers: integer('customers').notNull(),
    openInvoices: integer('open_invoices').notNull(),
  },
  (t) => [primaryKey({ columns: [t.firmId, t.organisationId] })],
);

/** Customers whose `customerOverdue` row a change has moved (set by triggers on invoices and contacts). */
export const customerOverduePending = pgTable(
  'customer_overdue_pending',
  {
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firms.id, { onDelete: 'cascade' }),
    organisationId: uuid('organisation_id').notNull(),
    contactExternalId: text('contact_external_id').notNull(),
  },
  (t) => [primaryKey({ columns: [t.firmId, t.organisationId, t.contactExternalId] })],
);

/** A client's service (migration 0035, server/reports/): its start date, the KPIs frozen then, the attribution window in days. */
export const clientServices = pgTable(
  'client_services',
  {
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firms.id, { onDelete: 'cascade' }),
    organisationId: uuid('organisation_id').notNull(),
    startDate: date('start_date', { mode: 'string' }).notNull(),
    /** server/reports/baseline.ts `Baseline`, written once when the service starts. */
    baseline: jsonb('baseline').notNull(),
    attributionDays: integer('attribution_days').notNull().default(14),
    frozenAt: timestamp('frozen_at', { withTimezone: true }).notNull().defaultNow(),
    setByUserId: uuid('set_by_user_id').references(() => users.id, { onDelete: 'set null' }),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.organisationId, t.firmId] })],
);

/** The monthly report email's claim (migration 0035): one row per organisation and month, so it is sent exactly once. */
export const clientReportSends = pgTable(
  'client_report_sends',
  {
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firms.id, { onDelete: 'cascade' }),
    organisationId: uuid('organisation_id').notNull(),
    /** 'YYYY-MM'. */
    period: text('period').notNull(),
    /** 'sending' | 'sent' | 'no_recipients' | 'failed' */
    status: text('status').notNull().default('sending'),
    attempts: integer('attempts').notNull().default(1),
    claimedAt: timestamp('claimed_at', { withTimezone: true }).notNull().defaultNow(),
    leaseUntil: timestamp('lease_until', { withTimezone: true }),
    sentAt: timestamp('sent_at', { withTimezone: true }),
    recipientCount: integer('recipient_count').notNull().default(0),
    messageId: text('message_id'),
    error: text('error'),
  },
  (t) => [primaryKey({ columns: [t.organisationId, t.firmId, t.period] })],
);

/** Where pitching the managed service to a client stands (migration 0039, server/opportunities/): no row = not pitched. */
export const opportunityPitches = pgTable(
  'opportunity_pitches',
  {
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firms.id, { onDelete: 'cascade' }),
    organisationId: uuid('organisation_id').notNull(),
    /** 'pitched' | 'won' | 'declined' */
    status: text('status').notNull(),
    note: text('note').notNull().default(''),
    setByUserId: uuid('set_by_user_id').references(() => users.id, { onDelete: 'set null' }),
    setAt: timestamp('set_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.organisationId, t.firmId] })],
);

/** The firm's own ledger, where its fee invoices are written (migration 0036; server/fees/): one of its organisations. */
export const practiceLedgers = pgTable('practice_ledgers', {
  firmId: uuid('firm_id')
    .primaryKey()
    .references(() => firms.id, { onDelete: 'cascade' }),
  organisationId: uuid('organisation_id').notNull(),
  setByUserId: uuid('set_by_user_id').references(() => users.id, { onDelete: 'set null' }),
  updatedAt: updatedAt(),
});

/** A client's fee plan (migration 0036): server/fees/core.ts `FeePlan` in its currency, and who the client is in the practice ledger. */
export const feePlans = pgTable(
  'fee_plans',
  {
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firms.id, { onDelete: 'cascade' }),
    organisationId: uuid('organisation_id').notNull(),
    plan: jsonb('plan').notNull(),
    currency: text('currency').notNull(),
    ledgerContactExternalId: text('ledger_contact_external_id'),
    ledgerContactName: text('ledger_contact_name'),
    setByUserId: uuid('set_by_user_id').references(() => users.id, { onDelete: 'set null' }),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.organisationId, t.firmId] })],
);

/** A month's fee for one client (migration 0036): unique per organisation and month; draft → approved → invoiced (or no_fee). */
export const feeStatements = pgTable(
  'fee_statements',
  {
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firms.id, { onDelete: 'cascade' }),
    organisationId: uuid('organisation_id').notNull(),
    /** 'YYYY-MM'. */
    period: text('period').notNull(),
    currency: text('currency').notNull(),
    /** Minor units of `currency`. */
    amount: bigint('amount', { mode: 'number' }).notNull(),
    /** server/fees/core.ts WorkingLine[]. */
    working: jsonb('working').notNull(),
    facts: jsonb('facts').notNull(),
    /** 'draft' | 'approved' | 'invoiced' | 'no_fee' */
    status: text('status').notNull().default('draft'),
    computedAt: timestamp('computed_at', { withTimezone: true }).notNull().defaultNow(),
    approvedAt: timestamp('approved_at', { withTimezone: true }),
    approvedByUserId: uuid('approved_by_user_id').references(() => users.id, { onDelete: 'set null' }),
    writebackId: uuid('writeback_id'),
    invoicedAt: timestamp('invoiced_at', { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.organisationId, t.firmId, t.period] }), index('fee_statements_period_idx').on(t.firmId, t.period)],
);

/**
 * A customer's conversation (migration 0037; server/replies/README.md): what a debtor wrote back
 * ('in': a person, an auto-reply or a bounce, with its triage) and what a collector answered from
 * Arcus ('out'). Unique by Message-ID per firm.
 */
export const replies = pgTable(
  'replies',
  {
    id: uuid('id').notNull().default(sql`gen_random_uuid()`),
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firms.id, { onDelete: 'cascade' }),
    organisationId: uuid('organisation_id').notNull(),
    contactExternalId: text('contact_external_id'),
    contactId: uuid('contact_id'),
    sendId: uuid('send_id'),
    /** 'in' | 'out' */
    direction: text('direction').notNull(),
    /** 'human' | 'auto_reply' | 'bounce' | 'answer' */
    kind: text('kind').notNull(),
    /** 'token' | 'thread' | 'sender' */
    matchedBy: text('matched_by'),
    messageId: text('message_id').notNull(),
    inReplyTo: text('in_reply_to'),
    fromAddress: text('from_address').notNull().default(''),
    fromName: text('from_name'),
    toAddress: text('to_address').notNull().default(''),
    subject: text('subject').notNull().default(''),
    bodyText: text('body_text').notNull().default(''),
    invoiceExternalIds: text('invoice_external_ids').array().notNull().default(sql`'{}'`),
    /** server/replies/triage.ts's Triage. */
    triage: jsonb('triage'),
    /** 'none' | 'suggested' | 'confirmed' | 'dismissed' */
    status: text('status').notNull().default('none'),
    decidedByUserId: uuid('decided_by_user_id').references(() => users.id, { onDelete: 'set null' }),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    authorUserId: uuid('author_user_id').references(() => users.id, { onDelete: 'set null' }),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.id, t.firmId] }),
    uniqueIndex('replies_message_key').on(t.firmId, t.messageId),
    index('replies_customer_idx').on(t.firmId, t.organisationId, t.contactExternalId, t.receivedAt),
  ],
);

/** A reply's attachments (migration 0037): size-limited and type-checked before storing. */
export const replyAttachments = pgTable(
  'reply_attachments',
  {
    id: uuid('id').notNull().default(sql`gen_random_uuid()`),
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firms.id, { onDelete: 'cascade' }),
    replyId: uuid('reply_id').notNull(),
    filename: text('filename').notNull(),
    contentType: text('content_type').notNull(),
    size: integer('size').notNull(),
    contentBase64: text('content_base64').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.id, t.firmId] }), index('reply_attachments_reply_idx').on(t.firmId, t.replyId)],
);

/** An address a delivery status notification said is bad (migration 0037): shown in data quality. */
export const bouncedAddresses = pgTable(
  'bounced_addresses',
  {
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firms.id, { onDelete: 'cascade' }),
    organisationId: uuid('organisation_id').notNull(),
    address: text('address').notNull(),
    status: text('status'),
    bouncedAt: timestamp('bounced_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.organisationId, t.firmId, t.address] })],
);

/** Sales commissions (migration 0038; server/commissions/README.md): per organisation, where "who sold" comes from and the payroll codes. */
export const commissionSettings = pgTable(
  'commission_settings',
  {
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firms.id, { onDelete: 'cascade' }),
    organisationId: uuid('organisation_id').notNull(),
    /** 'tracking' | 'arcus' */
    source: text('source').notNull().default('arcus'),
    trackingCategory: text('tracking_category'),
    adpCompanyCode: text('adp_company_code'),
    adpBatchId: text('adp_batch_id'),
    adpEarningsCode: text('adp_earnings_code'),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.organisationId, t.firmId] })],
);

/** A salesperson of a client organisation (migration 0038), optionally a user of the salesperson role. */
export const salespeople = pgTable(
  'salespeople',
  {
    id: uuid('id').notNull().default(sql`gen_random_uuid()`),
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firms.id, { onDelete: 'cascade' }),
    organisationId: uuid('organisation_id').notNull(),
    name: text('name').notNull(),
    email: text('email').notNull(),
    /** The option of the tracking category (or the QuickBooks class) that names them in the ledger. */
    ledgerName: text('ledger_name'),
    /** Their id in the payroll tool (Gusto employee ID, ADP file number). */
    payrollId: text('payroll_id'),
    userId: uuid('user_id').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.id, t.firmId] }), index('salespeople_user_idx').on(t.firmId, t.userId)],
);

/** A salesperson's plan (migration 0038): server/commissions/core.ts `Plan`. */
export const commissionPlans = pgTable(
  'commission_plans',
  {
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firms.id, { onDelete: 'cascade' }),
    salespersonId: uuid('salesperson_id').notNull(),
    organisationId: uuid('organisation_id').notNull(),
    plan: jsonb('plan').notNull(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.salespersonId, t.firmId] })],
);

/** Who sold, assigned in Arcus (migration 0038): a customer's invoices, or one invoice. */
export const commissionAssignments = pgTable(
  'commission_assignments',
  {
    id: uuid('id').notNull().default(sql`gen_random_uuid()`),
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firms.id, { onDelete: 'cascade' }),
    organisationId: uuid('organisation_id').notNull(),
    salespersonId: uuid('salesperson_id').notNull(),
    contactExternalId: text('contact_external_id'),
    invoiceExternalId: text('invoice_external_id'),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.id, t.firmId] })],
);

/** A salesperson's monthly statement (migration 0038): draft → approved (client contact) → exported. */
export const commissionStatements = pgTable(
  'commission_statements',
  {
    id: uuid('id').notNull().default(sql`gen_random_uuid()`),
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firms.id, { onDelete: 'cascade' }),
    organisationId: uuid('organisation_id').notNull(),
    salespersonId: uuid('salesperson_id').notNull(),
    /** 'YYYY-MM' */
    month: text('month').notNull(),
    currency: text('currency').notNull(),
    /** 'draft' | 'approved' | 'exported' */
    status: text('status').notNull().default('draft'),
    plan: jsonb('plan').notNull(),
    collected: money('collected').notNull().default('0'),
    earned: money('earned').notNull().default('0'),
    held: money('held').notNull().default('0'),
    released: money('released').notNull().default('0'),
    forfeited: money('forfeited').notNull().default('0'),
    clawedBack: money('clawed_back').notNull().default('0'),
    total: money('total').notNull().default('0'),
    computedAt: timestamp('computed_at', { withTimezone: true }).notNull().defaultNow(),
    approvedAt: timestamp('approved_at', { withTimezone: true }),
    approvedByUserId: uuid('approved_by_user_id').references(() => users.id, { onDelete: 'set null' }),
    exportedAt: timestamp('exported_at', { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.id, t.firmId] }), uniqueIndex('commission_statements_month_key').on(t.firmId, t.organisationId, t.salespersonId, t.month)],
);

/** A statement's lines (migration 0038); a source key is on one line only, across statements. */
export const commissionStatementLines = pgTable(
  'commission_statement_lines',
  {
    id: uuid('id').notNull().default(sql`gen_random_uuid()`),
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firms.id, { onDelete: 'cascade' }),
    organisationId: uuid('organisation_id').notNull(),
    statementId: uuid('statement_id').notNull(),
    lineNo: integer('line_no').notNull(),
    /** 'commission' | 'clawback' | 'release' | 'forfeit' */
    kind: text('kind').notNull(),
    sourceKey: text('source_key').notNull(),
    invoiceExternalId: text('invoice_external_id').notNull(),
    invoiceNumber: text('invoice_number').notNull().default(''),
    date: date('date', { mode: 'string' }).notNull(),
    base: money('base').notNull().default('0'),
    commission: money('commission').notNull().default('0'),
    held: money('held').notNull().default('0'),
    payable: money('payable').notNull().default('0'),
    releaseMonth: text('release_month'),
  },
  (t) => [primaryKey({ columns: [t.id, t.firmId] }), uniqueIndex('commission_statement_lines_source_key').on(t.firmId, t.organisationId, t.sourceKey), index('commission_statement_lines_statement_idx').on(t.firmId, t.statementId, t.lineNo)],
);

/** Customer statements by email (migration 0042, server/statements/): opt-in per organisation, monthly on the first business day. */
export const statementSettings = pgTable(
  'statement_settings',
  {
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firms.id, { onDelete: 'cascade' }),
    organisationId: uuid('organisation_id').notNull(),
    monthlyEmail: boolean('monthly_email').notNull().default(false),
    /** 'open_items' | 'activity' */
    kind: text('kind').notNull().default('open_items'),
    setByUserId: uuid('set_by_user_id').references(() => users.id, { onDelete: 'set null' }),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.organisationId, t.firmId] })],
);

/** A statement email's claim (migration 0042): one row per (organisation, customer, period), so each is sent once. */
export const statementSends = pgTable(
  'statement_sends',
  {
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firms.id, { onDelete: 'cascade' }),
    organisationId: uuid('organisation_id').notNull(),
    contactExternalId: text('contact_external_id').notNull(),
    /** 'YYYY-MM' (monthly) or 'now:<request id>' (on demand). */
    period: text('period').notNull(),
    /** 'sending' | 'sent' | 'no_recipients' | 'failed' */
    status: text('status').notNull().default('sending'),
    attempts: integer('attempts').notNull().default(1),
    claimedAt: timestamp('claimed_at', { withTimezone: true }).notNull().defaultNow(),
    leaseUntil: timestamp('lease_until', { withTimezone: true }),
    sentAt: timestamp('sent_at', { withTimezone: true }),
    messageId: text('message_id'),
    requestedByUserId: uuid('requested_by_user_id').references(() => users.id, { onDelete: 'set null' }),
    error: text('error'),
  },
  (t) => [primaryKey({ columns: [t.organisationId, t.firmId, t.contactExternalId, t.period] })],
);

/** What a person decided about a payment exception (migration 0042, server/exceptions/): once per exception. */
export const exceptionDecisions = pgTable(
  'exception_decisions',
  {
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firms.id, { onDelete: 'cascade' }),
    organisationId: uuid('organisation_id').notNull(),
    /** server/exceptions/rules.ts `exceptionKey`: '<kind>:<document id>'. */
    exceptionKey: text('exception_key').notNull(),
    /** 'apply' | 'keep_credit' | 'refund' */
    action: text('action').notNull(),
    reason: text('reason').notNull(),
    writebackId: uuid('writeback_id'),
    decidedByUserId: uuid('decided_by_user_id').references(() => users.id, { onDelete: 'set null' }),
    decidedAt: timestamp('decided_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.exceptionKey, t.firmId] }), index('exception_decisions_org_idx').on(t.organisationId, t.firmId)],
);

/**
 * Texts (migration 0046; docs/decisions/043-texts-and-calls.md): a reminder step's SMS (direction
 * 'out', one per send, its status from delivery receipts) and what a debtor texted back ('in').
 * status: sending | queued | sent | delivered | undelivered | failed | received. Numbers are E.164.
 */
export const smsMessages = pgTable(
  'sms_messages',
  {
    id: uuid('id').notNull().defaultRandom(),
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firms.id, { onDelete: 'cascade' }),
    organisationId: uuid('organisation_id').notNull(),
    contactExternalId: text('contact_external_id'),
    sendId: uuid('send_id'),
    direction: text('direction').notNull(),
    number: text('number').notNull(),
    ourNumber: text('our_number'),
    body: text('body').notNull().default(''),
    segments: integer('segments'),
    provider: text('provider').notNull(),
    providerMessageId: text('provider_message_id'),
    status: text('status').notNull(),
    errorCode: text('error_code'),
    error: text('error'),
    /** stop | start, for an inbound keyword. */
    keyword: text('keyword'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.id, t.firmId] }), index('sms_messages_customer_idx').on(t.firmId, t.organisationId, t.contactExternalId, t.createdAt)],
);

/** Numbers that replied STOP, per organisation (migration 0046): no text goes to them until START. */
export const smsOptOuts = pgTable(
  'sms_opt_outs',
  {
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firms.id, { onDelete: 'cascade' }),
    organisationId: uuid('organisation_id').notNull(),
    number: text('number').notNull(),
    keyword: text('keyword').notNull(),
    messageId: uuid('message_id'),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.firmId, t.organisationId, t.number] })],
);

/** A firm's own rows of the statutory reference-rate table over the built-in ones (migration 0045, server/collections/statutory-rates.ts). */
export const statutoryRates = pgTable(
  'statutory_rates',
  {
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firms.id, { onDelete: 'cascade' }),
    /** 'uk' | 'eu' */
    jurisdiction: text('jurisdiction').notNull(),
    effectiveFrom: date('effective_from', { mode: 'string' }).notNull(),
    /** Percent a year, decimal string. */
    rate: text('rate').notNull(),
    updatedByUserId: uuid('updated_by_user_id'),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.firmId, t.jurisdiction, t.effectiveFrom] })],
);

/** Letters collected on one local day for printing (migration 0045, server/letters/). */
export const letterBatches = pgTable(
  'letter_batches',
  {
    id: uuid('id').notNull().defaultRandom(),
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firms.id, { onDelete: 'cascade' }),
    organisationId: uuid('organisation_id').notNull(),
    localDay: date('local_day', { mode: 'string' }).notNull(),
    /** 'open' | 'posted' */
    status: text('status').notNull().default('open'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    postedAt: timestamp('posted_at', { withTimezone: true }),
    postedByUserId: uuid('posted_by_user_id'),
  },
  (t) => [primaryKey({ columns: [t.id, t.firmId] }), uniqueIndex('letter_batches_day_key').on(t.firmId, t.organisationId, t.localDay)],
);

/** One letter to one customer (migration 0045): queued in a batch, blocked with a reason, sent once. */
export const letters = pgTable(
  'letters',
  {
    id: uuid('id').notNull().defaultRandom(),
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firms.id, { onDelete: 'cascade' }),
    organisationId: uuid('organisation_id').notNull(),
    batchId: uuid('batch_id'),
    localDay: date('local_day', { mode: 'string' }).notNull(),
    contactExternalId: text('contact_external_id').notNull(),
    customerName: text('customer_name').notNull(),
    /** [{ invoiceExternalId, stepKey }] */
    steps: jsonb('steps').notNull().default([]),
    templateId: text('template_id'),
    content: jsonb('content').notNull().default({}),
    /** 'queued' | 'blocked' | 'sent' | 'replaced' */
    status: text('status').notNull(),
    blockedReason: text('blocked_reason'),
    sentAt: timestamp('sent_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.id, t.firmId] }), uniqueIndex('letters_day_key').on(t.firmId, t.organisationId, t.contactExternalId, t.localDay), index('letters_batch_idx').on(t.batchId)],
);

/** The firm's payment terms and invoicing frequency per customer type (migration 0047; server/billing-review/). '' = customers without a type. */
export const billingPolicies = pgTable(
  'billing_policies',
  {
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firms.id, { onDelete: 'cascade' }),
    customerType: text('customer_type').notNull(),
    termsDays: integer('terms_days').notNull(),
    /** 'per_job' | 'weekly' | 'monthly' | 'quarterly' | 'annually' */
    frequency: text('frequency').notNull(),
    requiresPurchaseOrder: boolean('requires_purchase_order').notNull().default(false),
    updatedByUserId: uuid('updated_by_user_id').references(() => users.id, { onDelete: 'set null' }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.firmId, t.customerType] })],
);

/** An invoice awaiting dispatch, its findings and review state (migration 0047; server/billing-review/README.md). */
export const billingReviewItems = pgTable(
  'billing_review_items',
  {
    id: uuid('id').notNull().defaultRandom(),
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firms.id, { onDelete: 'cascade' }),
    organisationId: uuid('organisation_id').notNull(),
    invoiceId: uuid('invoice_id').notNull(),
    invoiceExternalId: text('invoice_external_id').notNull(),
    /** 'to_review' | 'awaiting_approval' | 'approved' | 'sent_back' | 'closed' */
    status: text('status').notNull().default('to_review'),
    /** [{ check, text }] */
    findings: jsonb('findings').notNull().default([]),
    invoiceVersion: text('invoice_version'),
    checkedAt: timestamp('checked_at', { withTimezone: true }).notNull().defaultNow(),
    requestedByUserId: uuid('requested_by_user_id').references(() => users.id, { onDelete: 'set null' }),
    requestedAt: timestamp('requested_at', { withTimezone: true }),
    decidedByUserId: uuid('decided_by_user_id').references(() => users.id, { onDelete: 'set null' }),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    comment: text('comment'),
    writebackId: uuid('writeback_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.id, t.firmId] }), uniqueIndex('billing_review_items_invoice_key').on(t.organisationId, t.firmId, t.invoiceExternalId), index('billing_review_items_firm_status_idx').on(t.firmId, t.status)],
);

/** Who asked for approval, approved or sent back a review item, with their comment (migration 0047). */
export const billingReviewDecisions = pgTable(
  'billing_review_decisions',
  {
    id: uuid('id').notNull().defaultRandom(),
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firms.id, { onDelete: 'cascade' }),
    organisationId: uuid('organisation_id').notNull(),
    itemId: uuid('item_id').notNull(),
    /** 'requested' | 'approved' | 'sent_back' */
    action: text('action').notNull(),
    userId: uuid('user_id').references(() => users.id, { onDelete: 'set null' }),
    comment: text('comment'),
    decidedAt: timestamp('decided_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.id, t.firmId] }), index('billing_review_decisions_item_idx').on(t.itemId, t.firmId)],
);

/**
 * A ledger payment that came back (migration 0049; server/returns/README.md): marked returned by a
 * collector, a bank debit failed after success, or a chargeback with its lifecycle. One per
 * (organisation, ledger payment); the write-backs it asked for and the debtor's notice, once.
 */
export const returnedPayments = pgTable(
  'returned_payments',
  {
    id: uuid('id').notNull().defaultRandom(),
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firms.id, { onDelete: 'cascade' }),
    organisationId: uuid('organisation_id').notNull(),
    /** collector | bank_debit_failed | chargeback */
    origin: text('origin').notNull(),
    paymentExternalId: text('payment_external_id').notNull(),
    invoiceId: uuid('invoice_id'),
    invoiceExternalId: text('invoice_external_id').notNull(),
    contactExternalId: text('contact_external_id'),
    checkoutId: uuid('checkout_id'),
    amount: numeric('amount', { precision: 19, scale: 4 }).notNull(),
    currency: text('currency').notNull(),
    paymentDate: date('payment_date', { mode: 'string' }).notNull(),
    reason: text('reason').notNull(),
    providerChargeId: text('provider_charge_id'),
    disputeId: text('dispute_id'),
    /** opened | evidence_due | under_review | won | lost (a chargeback only) */
    disputeStatus: text('dispute_status'),
    evidenceDueBy: timestamp('evidence_due_by', { withTimezone: true }),
    taskId: uuid('task_id'),
    reverseWritebackId: uuid('reverse_writeback_id'),
    feeWritebackId: uuid('fee_writeback_id'),
    restoreWritebackId: uuid('restore_writeback_id'),
    debtorNotifiedAt: timestamp('debtor_notified_at', { withTimezone: true }),
    createdByUserId: uuid('created_by_user_id').references(() => users.id, { onDelete: 'set null' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.id, t.firmId] }),
    uniqueIndex('returned_payments_payment_key').on(t.organisationId, t.firmId, t.paymentExternalId),
    uniqueIndex('returned_payments_dispute_key')
      .on(t.firmId, t.disputeId)
      .where(sql`dispute_id IS NOT NULL`),
    index('returned_payments_firm_idx').on(t.firmId, t.organisationId, t.createdAt),
  ],
);

/**
 * A confirmed cancellation of part or all of a customer's service (migration 0051; server/cancellations/,
 * docs/decisions/048): one row per request id, holding the working it confirmed, so a repeat re-runs
 * the remaining steps with the same amounts.
 */
export const cancellations = pgTable(
  'cancellations',
  {
    id: uuid('id').notNull().defaultRandom(),
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firms.id, { onDelete: 'cascade' }),
    organisationId: uuid('organisation_id').notNull(),
    requestId: uuid('request_id').notNull(),
    contactExternalId: text('contact_external_id').notNull(),
    /** by_days | fixed_schedule */
    method: text('method').notNull(),
    serviceStart: date('service_start', { mode: 'string' }).notNull(),
    serviceEnd: date('service_end', { mode: 'string' }).notNull(),
    effectiveDate: date('effective_date', { mode: 'string' }).notNull(),
    reason: text('reason').notNull(),
    currency: text('currency').notNull(),
    credit: numeric('credit', { precision: 19, scale: 4 }).notNull(),
    allocated: numeric('allocated', { precision: 19, scale: 4 }).notNull(),
    leftAsCredit: numeric('left_as_credit', { precision: 19, scale: 4 }).notNull(),
    result: jsonb('result').notNull(),
    debtorNotifiedAt: timestamp('debtor_notified_at', { withTimezone: true }),
    createdByUserId: uuid('created_by_user_id').references(() => users.id, { onDelete: 'set null' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.id, t.firmId] }), uniqueIndex('cancellations_request_key').on(t.firmId, t.requestId), index('cancellations_firm_org_idx').on(t.firmId, t.organisationId, t.contactExternalId, t.createdAt)],
);

// ---- Autopay (issue #19, migration 0052; server/autopay/README.md, docs/decisions/049) ------------

/** A debtor's card saved with the payment provider: provider ids, brand, last four and expiry only. */
export const savedPaymentMethods = pgTable(
  'saved_payment_methods',
  {
    id: uuid('id').notNull().defaultRandom(),
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firms.id, { onDelete: 'cascade' }),
    organisationId: uuid('organisation_id').notNull(),
    contactExternalId: text('contact_external_id').notNull(),
    payLinkId: uuid('pay_link_id'),
    /** stripe | sandbox */
    provider: text('provider').notNull(),
    providerCustomerId: text('provider_customer_id'),
    /** The provider's hosted card-setup session. */
    setupRef: text('setup_ref').notNull(),
    providerMethodId: text('provider_method_id'),
    brand: text('brand'),
    last4: text('last4'),
    expMonth: integer('exp_month'),
    expYear: integer('exp_year'),
    /** pending | active | replaced | removed | expired */
    status: text('status').notNull().default('pending'),
    savedAt: timestamp('saved_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.id, t.firmId] }),
    uniqueIndex('saved_payment_methods_setup_key').on(t.firmId, t.provider, t.setupRef),
    index('saved_payment_methods_setup_idx').on(t.provider, t.setupRef),
    index('saved_payment_methods_customer_idx').on(t.organisationId, t.firmId, t.contactExternalId, t.status),
  ],
);

/** The debtor's agreement to be charged off-session: a plan's instalments, or invoices as they fall due. */
export const autopayMandates = pgTable(
  'autopay_mandates',
  {
    id: uuid('id').notNull().defaultRandom(),
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firms.id, { onDelete: 'cascade' }),
    organisationId: uuid('organisation_id').notNull(),
    contactExternalId: text('contact_external_id').notNull(),
    /** plan | invoices */
    scope: text('scope').notNull(),
    planId: uuid('plan_id'),
    /** active | paused | cancelled */
    status: text('status').notNull().default('active'),
    startsOn: date('starts_on', { mode: 'string' }).notNull(),
    /** A charge failed and none has succeeded since: reminders resume for the customer. */
    failingSince: timestamp('failing_since', { withTimezone: true }),
    pausedReason: text('paused_reason'),
    /** debtor | collector */
    createdBy: text('created_by').notNull().default('debtor'),
    cancelledAt: timestamp('cancelled_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.id, t.firmId] }),
    uniqueIndex('autopay_mandates_live_key')
      .on(t.organisationId, t.firmId, t.contactExternalId, t.scope, sql`(coalesce(plan_id, '00000000-0000-0000-0000-000000000000'::uuid))`)
      .where(sql`status <> 'cancelled'`),
    index('autopay_mandates_firm_idx').on(t.firmId, t.organisationId, t.status),
  ],
);

/** One off-session charge of one invoice or instalment; its id is the provider's Idempotency-Key. */
export const chargeAttempts = pgTable(
  'charge_attempts',
  {
    id: uuid('id').notNull().defaultRandom(),
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firms.id, { onDelete: 'cascade' }),
    organisationId: uuid('organisation_id').notNull(),
    mandateId: uuid('mandate_id').notNull(),
    contactExternalId: text('contact_external_id').notNull(),
    /** invoice | instalment */
    targetKind: text('target_kind').notNull(),
    invoiceId: uuid('invoice_id'),
    instalmentId: uuid('instalment_id'),
    attemptKey: text('attempt_key').notNull(),
    attemptNo: integer('attempt_no').notNull(),
    scheduledOn: date('scheduled_on', { mode: 'string' }).notNull(),
    /** scheduled | charging | succeeded | failed | skipped | abandoned */
    status: text('status').notNull().default('scheduled'),
    amount: numeric('amount', { precision: 19, scale: 4 }),
    currency: text('currency'),
    savedMethodId: uuid('saved_method_id'),
    provider: text('provider'),
    providerPaymentId: text('provider_payment_id'),
    failureCode: text('failure_code'),
    leaseUntil: timestamp('lease_until', { withTimezone: true }),
    chargedAt: timestamp('charged_at', { withTimezone: true }),
    debtorNotifiedAt: timestamp('debtor_notified_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.id, t.firmId] }),
    uniqueIndex('charge_attempts_key').on(t.firmId, t.attemptKey),
    index('charge_attempts_due_idx').on(t.firmId, t.organisationId, t.status, t.scheduledOn),
    index('charge_attempts_payment_idx')
      .on(t.provider, t.providerPaymentId)
      .where(sql`provider_payment_id IS NOT NULL`),
  ],
);

/** Money paid back to the card a debtor paid with (decision 055): one row per refund, its id the provider's Idempotency-Key. */
export const cardRefunds = pgTable(
  'card_refunds',
  {
    id: uuid('id').notNull().defaultRandom(),
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firms.id, { onDelete: 'cascade' }),
    organisationId: uuid('organisation_id').notNull(),
    /** The ledger `refund` write-back that records it (written once the provider confirms). */
    writebackId: uuid('writeback_id').notNull(),
    contactExternalId: text('contact_external_id').notNull(),
    /** stripe | sandbox */
    provider: text('provider').notNull(),
    /** The card payment refunded (Stripe PaymentIntent). */
    providerPaymentId: text('provider_payment_id').notNull(),
    checkoutId: uuid('checkout_id'),
    chargeAttemptId: uuid('charge_attempt_id'),
    amount: numeric('amount', { precision: 19, scale: 4 }).notNull(),
    currency: text('currency').notNull(),
    /** requested | refunding | pending | succeeded | failed */
    status: text('status').notNull().default('requested'),
    providerRefundId: text('provider_refund_id'),
    /** Why the provider refused, in words. */
    failure: text('failure'),
    leaseUntil: timestamp('lease_until', { withTimezone: true }),
    /** How many times the provider was asked (a retry after a crash is a second call with the same key). */
    calls: integer('calls').notNull().default(0),
    succeededAt: timestamp('succeeded_at', { withTimezone: true }),
    debtorNotifiedAt: timestamp('debtor_notified_at', { withTimezone: true }),
    createdByUserId: uuid('created_by_user_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.id, t.firmId] }),
    uniqueIndex('card_refunds_writeback').on(t.firmId, t.writebackId),
    index('card_refunds_payment_idx').on(t.provider, t.providerPaymentId),
    uniqueIndex('card_refunds_provider_refund')
      .on(t.firmId, t.provider, t.providerRefundId)
      .where(sql`provider_refund_id IS NOT NULL`),
  ],
);
