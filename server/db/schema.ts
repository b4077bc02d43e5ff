/**
 * The core model. Every business row carries `firm_id` so every query can be scoped to the
 * caller's firm; ledger documents are keyed by (organisation, external id) so sync upserts.
 * Money is numeric(19,4) (exact; read back as decimal strings), invoice dates are `date`.
 */
import { sql } from 'drizzle-orm';
import {
  boolean,
  date,
  index,
  integer,
  jsonb,
  numeric,
  pgEnum,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

const money = (name: string) => numeric(name, { precision: 19, scale: 4 });
const id = () => uuid('id').primaryKey().default(sql`gen_random_uuid()`);
const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();

export const roleEnum = pgEnum('role', ['admin', 'collector', 'viewer']);
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
    refreshFailures: integer('refresh_failures').notNull().default(0),
    lastError: text('last_error'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('connections_organisation_key').on(t.organisationId), index('connections_firm_idx').on(t.firmId)],
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
    /** draft | submitted | authorised | paid | voided | deleted (normalised across ledgers). */
    status: text('status').notNull(),
    fullyPaidOn: date('fully_paid_on', { mode: 'string' }),
    url: text('url'),
    ledgerUpdatedAt: timestamp('ledger_updated_at', { withTimezone: true }),
    raw: jsonb('raw'),
    syncedAt: timestamp('synced_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('invoices_org_external_key').on(t.organisationId, t.externalId),
    index('invoices_firm_org_status_idx').on(t.firmId, t.organisationId, t.status),
    index('invoices_org_contact_idx').on(t.organisationId, t.contactExternalId),
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
  (t) => [uniqueIndex('payment_allocations_payment_invoice_key').on(t.paymentId, t.invoiceExternalId), index('payment_allocations_org_invoice_idx').on(t.organisationId, t.invoiceExternalId)],
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
  (t) => [uniqueIndex('credit_note_allocations_key').on(t.creditNoteId, t.externalId), index('credit_note_allocations_org_invoice_idx').on(t.organisationId, t.invoiceExternalId)],
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
  (t) => [index('activities_firm_created_idx').on(t.firmId, t.createdAt), index('activities_org_contact_idx').on(t.organisationId, t.contactId)],
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
