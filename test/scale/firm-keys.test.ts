/**
 * "Tenant-sharded by firm, checked by the catalog" (issue #22). Reads PostgreSQL's catalog after
 * the migrations and checks that the schema could be distributed by firm (Citus: firm tables
 * distributed on `firm_id`, global tables replicated as reference tables) without a redesign:
 *
 * - every table has a NOT NULL `firm_id`, or is a global table listed here with its reason;
 * - every primary key and unique index of a firm table includes `firm_id` (a distributed table
 *   can only enforce uniqueness that contains its distribution column);
 * - every foreign key between firm tables carries `firm_id` on both sides, paired
 *   (`(x_id, firm_id) → (id, firm_id)`), so both rows live on the same shard; a firm table may
 *   reference a global table; a global table must not reference a firm table.
 *
 * What fails today is listed in KNOWN, each with its reason: the test fails on a new violation
 * (a new table or key must follow the rules) and on a listed one that no longer happens (take it
 * off the list). The plan for the listed ones is in docs/capacity.md ("Distributing by firm").
 */
import { sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { queryRows } from '../../server/db/client';
import { testDatabase } from '../support/db';
import { describeWith } from '../support/services';

/** Tables without `firm_id` by design: reference tables when distributed. */
const GLOBAL: Record<string, string> = {
  firms: 'the tenants themselves; every firm table references it',
  users: 'a person can belong to several firms (memberships)',
  sessions: 'a browser session exists before a firm is chosen and can switch firms',
};

const SURROGATE_PK = 'uuid surrogate key (id) from the first migrations; becomes (id, firm_id) in the distribution migration';
const EXTERNAL_KEY = 'natural key scoped by organisation (an organisation belongs to one firm, so adding firm_id changes nothing but the index); the sync upserts name these columns in ON CONFLICT, so the index and the writers change together';
const PARENT_FK = 'child row refers to its parent by id alone; becomes (parent_id, firm_id) → (id, firm_id) with the parent key';
const GLOBAL_TOKEN = 'looked up before the firm is known (a token hash, a provider event or session id from a webhook): becomes (key, firm_id) plus a small reference table key → firm_id for the lookup';

/** Violations found on the schema as of migration 0026, each with why it is not fixed here. */
const KNOWN: Record<string, string> = {
  // tables holding firm data without firm_id
  'reminder_daily_counts: no firm_id': 'per organisation and day, scoped by organisation_id; needs firm_id added and filled from organisations, and the reminder claim writer changed',
  'mailbox_messages: firm_id may be null': 'the embedded SMTP demo mailbox (embedded mode only) also receives mail for no firm; never distributed',
  'webhook_events: firm_id may be null': 'an event is stored (deduplicated) before its tenant is matched to a firm; becomes a reference-table inbox, or is filed under the firm once matched',
  'job_events: firm_id may be null': 'system jobs (schedule ticks, sweeps) belong to no firm; split into a firm table and a global log',
  'app_store_subscriptions: firm_id may be null': 'a Xero App Store subscription can arrive before any firm claims it (migration 0024, in progress); the unclaimed ones would live in a reference table',
  'app_store_events: firm_id may be null': 'as app_store_subscriptions (migration 0024, in progress)',
  // primary keys
  ...Object.fromEntries(
    [
      'activities',
      'app_store_events',
      'app_store_subscriptions',
      'app_store_usage_reports',
      'audit_log',
      'checkouts',
      'collector_tasks',
      'connections',
      'contacts',
      'credit_note_allocations',
      'credit_notes',
      'customer_score_history',
      'customer_scores',
      'discount_offers',
      'exchange_rates',
      'invitations',
      'invoice_lines',
      'invoices',
      'job_events',
      'mailbox_messages',
      'memberships',
      'organisation_assignments',
      'organisations',
      'pay_links',
      'payment_allocations',
      'payment_plan_instalments',
      'payment_plans',
      'payments',
      'prepayment_allocations',
      'prepayments',
      'privacy_erasures',
      'reminder_customers',
      'reminder_invoice_holds',
      'reminder_policies',
      'reminder_run_confirmations',
      'reminder_sends',
      'reminder_templates',
      'reminder_unsubscribes',
      'scoring_cache',
      'scoring_models',
      'sync_runs',
      'targets',
      'webhook_events',
      'writebacks',
    ].map((t) => [`${t}: primary key (id)`, SURROGATE_PK]),
  ),
  'invoice_scores: primary key (invoice_id)': PARENT_FK,
  'reminder_settings: primary key (organisation_id)': 'one row per organisation; becomes (organisation_id, firm_id)',
  'sender_identities: primary key (organisation_id)': 'one row per organisation; becomes (organisation_id, firm_id)',
  // unique indexes
  'contacts: unique contacts_org_external_key (organisation_id, external_id)': EXTERNAL_KEY,
  'credit_notes: unique credit_notes_org_external_key (organisation_id, external_id)': EXTERNAL_KEY,
  'invoices: unique invoices_org_external_key (organisation_id, external_id)': EXTERNAL_KEY,
  'payments: unique payments_org_external_key (organisation_id, external_id)': EXTERNAL_KEY,
  'prepayments: unique prepayments_org_external_key (organisation_id, external_id)': EXTERNAL_KEY,
  'connections: unique connections_organisation_key (organisation_id)': EXTERNAL_KEY,
  'customer_score_history: unique customer_score_history_key (organisation_id, contact_external_id, month)': EXTERNAL_KEY,
  'customer_scores: unique customer_scores_org_contact_key (organisation_id, contact_external_id)': EXTERNAL_KEY,
  'discount_offers: unique discount_offers_invoice_key (organisation_id, invoice_id)': EXTERNAL_KEY,
  'organisation_assignments: unique organisation_assignments_org_user_key (organisation_id, user_id)': EXTERNAL_KEY,
  'pay_links: unique pay_links_invoice_key (organisation_id, invoice_id)': EXTERNAL_KEY,
  'privacy_erasures: unique privacy_erasures_org_contact_key (organisation_id, contact_external_id)': EXTERNAL_KEY,
  'reminder_customers: unique reminder_customers_org_contact_key (organisation_id, contact_external_id)': EXTERNAL_KEY,
  'reminder_invoice_holds: unique reminder_invoice_holds_org_invoice_key (organisation_id, invoice_external_id)': EXTERNAL_KEY,
  'reminder_unsubscribes: unique reminder_unsubscribes_key (organisation_id, contact_external_id, address)': EXTERNAL_KEY,
  'scoring_cache: unique scoring_cache_org_kind_key (organisation_id, kind)': EXTERNAL_KEY,
  'credit_note_allocations: unique credit_note_allocations_key (credit_note_id, external_id)': PARENT_FK,
  'invoice_lines: unique invoice_lines_invoice_line_key (invoice_id, line_no)': PARENT_FK,
  'payment_allocations: unique payment_allocations_payment_invoice_key (payment_id, invoice_external_id)': PARENT_FK,
  'payment_plan_instalments: unique payment_plan_instalments_plan_seq_key (plan_id, seq)': PARENT_FK,
  'prepayment_allocations: unique prepayment_allocations_key (prepayment_id, external_id)': PARENT_FK,
  'app_store_events: unique app_store_events_event_key (event_id)': GLOBAL_TOKEN,
  'app_store_subscriptions: unique app_store_subscriptions_subscription_key (subscription_id)': GLOBAL_TOKEN,
  'app_store_usage_reports: unique app_store_usage_reports_period_key (subscription_id, period_end)': GLOBAL_TOKEN,
  'checkouts: unique checkouts_provider_session_key (provider, provider_session_id)': GLOBAL_TOKEN,
  'invitations: unique invitations_token_hash_key (token_hash)': GLOBAL_TOKEN,
  'pay_links: unique pay_links_legacy_token_hash_key (legacy_token_hash)': GLOBAL_TOKEN,
  'pay_links: unique pay_links_token_hash_key (token_hash)': GLOBAL_TOKEN,
  'reminder_run_confirmations: unique reminder_run_confirmations_token_key (token_hash)': GLOBAL_TOKEN,
  'sender_identities: unique sender_identities_logo_key (logo_key)': GLOBAL_TOKEN,
  'webhook_events: unique webhook_events_provider_event_key (provider, event_id)': GLOBAL_TOKEN,
  // foreign keys between firm tables by id alone
  'checkouts: foreign key (pay_link_id) → pay_links (id)': PARENT_FK,
  'credit_note_allocations: foreign key (credit_note_id) → credit_notes (id)': PARENT_FK,
  'invoice_lines: foreign key (invoice_id) → invoices (id)': PARENT_FK,
  'invoice_scores: foreign key (invoice_id) → invoices (id)': PARENT_FK,
  'invoices: foreign key (contact_id) → contacts (id)': PARENT_FK,
  'payment_allocations: foreign key (payment_id) → payments (id)': PARENT_FK,
  'payment_plan_instalments: foreign key (plan_id) → payment_plans (id)': PARENT_FK,
  'prepayment_allocations: foreign key (prepayment_id) → prepayments (id)': PARENT_FK,
  'reminder_daily_counts: foreign key (organisation_id) → organisations (id)': 'see reminder_daily_counts: no firm_id',
};

interface Column {
  table: string;
  column: string;
  nullable: boolean;
}
interface Key {
  table: string;
  name: string;
  primary: boolean;
  columns: string[];
}
interface ForeignKey {
  table: string;
  columns: string[];
  ref: string;
  refColumns: string[];
}

async function readCatalog() {
  const database = await testDatabase();
  const tables = await queryRows<{ table: string }>(database.db, sql`select c.relname as "table" from pg_class c where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p') order by 1`);
  const firmColumns = await queryRows<Column>(
    database.db,
    sql`select c.relname as "table", a.attname as "column", not a.attnotnull as nullable
        from pg_attribute a join pg_class c on c.oid = a.attrelid
        where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p') and a.attname = 'firm_id' and not a.attisdropped`,
  );
  // Key columns in key order; an expression column (attnum 0) comes back as '(expression)'.
  const keys = await queryRows<Key>(
    database.db,
    sql`select c.relname as "table", i.relname as name, x.indisprimary as "primary",
          array(select coalesce(a.attname, '(expression)') from unnest(x.indkey[0:x.indnkeyatts - 1]) with ordinality k(n, o)
                left join pg_attribute a on a.attrelid = c.oid and a.attnum = k.n order by k.o)::text[] as columns
        from pg_index x join pg_class c on c.oid = x.indrelid join pg_class i on i.oid = x.indexrelid
        where c.relnamespace = 'public'::regnamespace and (x.indisprimary or x.indisunique)`,
  );
  const foreignKeys = await queryRows<ForeignKey>(
    database.db,
    sql`select c.relname as "table", r.relname as ref,
          array(select a.attname from unnest(k.conkey) with ordinality u(n, o) join pg_attribute a on a.attrelid = k.conrelid and a.attnum = u.n order by u.o)::text[] as columns,
          array(select a.attname from unnest(k.confkey) with ordinality u(n, o) join pg_attribute a on a.attrelid = k.confrelid and a.attnum = u.n order by u.o)::text[] as "refColumns"
        from pg_constraint k join pg_class c on c.oid = k.conrelid join pg_class r on r.oid = k.confrelid
        where c.relnamespace = 'public'::regnamespace and k.contype = 'f'`,
  );
  return { tables: tables.map((t) => t.table), firmColumns, keys, foreignKeys };
}

/** Every way the schema falls short of being distributable by firm, in words. */
function violations(catalog: Awaited<ReturnType<typeof readCatalog>>): string[] {
  const firm = new Map(catalog.firmColumns.map((c) => [c.table, c]));
  const found: string[] = [];
  for (const table of catalog.tables) {
    const column = firm.get(table);
    if (!column && !Object.hasOwn(GLOBAL, table)) found.push(`${table}: no firm_id`);
    if (column?.nullable) found.push(`${table}: firm_id may be null`);
  }
  for (const key of catalog.keys) {
    if (!firm.has(key.table) || key.columns.includes('firm_id')) continue;
    found.push(`${key.table}: ${key.primary ? 'primary key' : `unique ${key.name}`} (${key.columns.join(', ')})`);
  }
  for (const fk of catalog.foreignKeys) {
    if (Object.hasOwn(GLOBAL, fk.ref)) continue; // a reference table can be referenced from anywhere
    const i = fk.columns.indexOf('firm_id');
    if (i >= 0 && fk.refColumns[i] === 'firm_id') continue;
    found.push(`${fk.table}: foreign key (${fk.columns.join(', ')}) → ${fk.ref} (${fk.refColumns.join(', ')})`);
  }
  return found.sort();
}

describeWith('pg', 'the schema can be distributed by firm (catalog check)', () => {
  it('every key and foreign key of a firm table carries firm_id, apart from the listed exceptions', async () => {
    const catalog = await readCatalog();
    expect(catalog.tables).toEqual(expect.arrayContaining(['invoices', 'organisations', ...Object.keys(GLOBAL)]));
    const found = violations(catalog);
    const known = new Set(Object.keys(KNOWN));
    // A new table, key or foreign key must follow the rules (or be listed here with its reason).
    expect(found.filter((v) => !known.has(v))).toEqual([]);
    // A listed violation that no longer happens is taken off the list.
    expect([...known].filter((v) => !found.includes(v))).toEqual([]);
  });

  it('the organisation key is already composite: every reference to organisations carries firm_id', async () => {
    const { foreignKeys } = await readCatalog();
    const toOrganisations = foreignKeys.filter((fk) => fk.ref === 'organisations' && fk.table !== 'reminder_daily_counts');
    expect(toOrganisations.length).toBeGreaterThan(20);
    for (const fk of toOrganisations) expect([fk.table, fk.columns.indexOf('firm_id') >= 0 && fk.refColumns[fk.columns.indexOf('firm_id')]]).toEqual([fk.table, 'firm_id']);
  });
});
