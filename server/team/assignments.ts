/**
 * Assignment (docs/decisions/023-assignment-and-my-work.md): each organisation's owner (an
 * administrator or a manager) and each customer's collector, set by a manager with rules:
 *
 *   all          every customer of the organisation → one person
 *   segment      the customers in one risk segment (the last scoring run's) → one person
 *   amount       the customers whose open balance, in the organisation's currency, is at least X → one person
 *   round_robin  the customers in order of open balance (largest first, then name, then ledger id)
 *                dealt in turn to the chosen people, in the order chosen
 *
 * A rule overwrites the assignment of the customers it matches and leaves the others alone.
 * "Customers" are the organisation's contacts with at least one invoice (draft, voided and
 * deleted ones aside). Bulk reassignment moves everything one person is assigned (optionally in
 * one organisation) to another.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import { invalidField, notFound } from '../../kernel/errors';
import { toMinor } from '../../kernel/money';
import { ROLE_WORDS, type Role } from '../auth/permissions';
import { type Db, queryRows } from '../db/client';
import { customerAssignments, memberships, organisationOwners, organisations, users } from '../db/schema';
import { ensureScored } from '../scoring/run';

/** Who may be assigned customers, and who may own an organisation. */
export const ASSIGNABLE: readonly Role[] = ['admin', 'manager', 'collector'];
export const OWNERS: readonly Role[] = ['admin', 'manager'];

export const SEGMENTS = ['reliable', 'slow', 'chronic_late', 'deteriorating', 'bad_debt_risk', 'new'] as const;

const Id = z.uuid({ message: 'Choose someone from the list.' });
const OrganisationId = z.uuid({ message: 'Choose an organisation from the list.' });

export const RuleSchema = z.discriminatedUnion(
  'rule',
  [
    z.object({ rule: z.literal('all'), organisationId: OrganisationId, userId: Id }).strict(),
    z.object({ rule: z.literal('segment'), organisationId: OrganisationId, segment: z.enum(SEGMENTS, { message: 'Choose a risk segment from the list.' }), userId: Id }).strict(),
    z
      .object({
        rule: z.literal('amount'),
        organisationId: OrganisationId,
        minAmount: z.number({ message: 'The minimum balance must be a number.' }).min(0, { message: 'The minimum balance cannot be negative.' }).max(1e12, { message: 'The minimum balance is too large.' }),
        userId: Id,
      })
      .strict(),
    z
      .object({
        rule: z.literal('round_robin'),
        organisationId: OrganisationId,
        userIds: z.array(Id).min(1, { message: 'Choose at least one collector to share the customers between.' }).max(50, { message: 'Choose at most 50 collectors.' }),
      })
      .strict(),
  ],
  { message: 'Choose how to assign the customers.' },
);
export type Rule = z.infer<typeof RuleSchema>;

export const ReassignSchema = z
  .object({ fromUserId: Id, toUserId: Id, organisationId: OrganisationId.optional() })
  .strict()
  .refine((v) => v.fromUserId !== v.toUserId, { message: 'Choose someone else to take the customers over.', path: ['toUserId'] });

export const OwnerSchema = z.object({ userId: Id.nullable() }).strict();

export interface Member {
  userId: string;
  name: string;
  role: Role;
}

/** The firm's members who may be assigned customers, by name. */
export async function listAssignableMembers(db: Db, firmId: string): Promise<Member[]> {
  const rows = await db
    .select({ userId: memberships.userId, name: users.name, email: users.email, role: memberships.role })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.firmId, firmId), inArray(memberships.role, [...ASSIGNABLE])));
  return rows.map((r) => ({ userId: r.userId, name: r.name || r.email, role: r.role as Role })).sort((a, b) => a.name.localeCompare(b.name) || a.userId.localeCompare(b.userId));
}

async function requireMembers(db: Db, firmId: string, userIds: readonly string[], roles: readonly Role[], field: string, message: string): Promise<void> {
  const members = await db
    .select({ userId: memberships.userId, role: memberships.role })
    .from(memberships)
    .where(and(eq(memberships.firmId, firmId), inArray(memberships.userId, [...userIds])));
  const ok = new Set(members.filter((m) => roles.includes(m.role as Role)).map((m) => m.userId));
  if (userIds.some((id) => !ok.has(id))) throw invalidField(field, message);
}

async function requireOrganisation(db: Db, firmId: string, organisationId: string) {
  const [org] = await db.select({ id: organisations.id, name: organisations.name }).from(organisations).where(and(eq(organisations.firmId, firmId), eq(organisations.id, organisationId))).limit(1);
  if (!org) throw notFound('No such organisation.');
  return org;
}

interface CustomerRow {
  contact_external_id: string;
  name: string;
  balance: string;
  segment: string | null;
}

/** The organisation's customers with their open balance (organisation currency, as last scored) and risk segment. */
export async function organisationCustomers(db: Db, firmId: string, organisationId: string, now: Date): Promise<{ contactExternalId: string; name: string; balanceMinor: number; segment: string | null }[]> {
  await ensureScored(db, firmId, [organisationId], now);
  const rows = await queryRows<CustomerRow>(
    db,
    sql`
    SELECT i.contact_external_id, coalesce(max(c.name), i.contact_external_id) AS name,
      coalesce(sum(s.amount_due_base) FILTER (WHERE i.settled_on IS NULL), 0)::text AS balance,
      max(cs.segment) AS segment
    FROM invoices i
    LEFT JOIN invoice_scores s ON s.invoice_id = i.id AND s.firm_id = i.firm_id
    LEFT JOIN contacts c ON c.organisation_id = i.organisation_id AND c.external_id = i.contact_external_id
    LEFT JOIN customer_scores cs ON cs.organisation_id = i.organisation_id AND cs.contact_external_id = i.contact_external_id
    WHERE i.firm_id = ${firmId} AND i.organisation_id = ${organisationId} AND i.status NOT IN ('draft', 'submitted', 'voided', 'deleted')
    GROUP BY i.contact_external_id`,
  );
  return rows.map((r) => ({ contactExternalId: r.contact_external_id, name: r.name, balanceMinor: toMinor(r.balance, 2, true), segment: r.segment }));
}

/** Which customers a rule gives to whom (pure, given the organisation's customers). */
export function planRule(rule: Rule, customers: readonly { contactExternalId: string; name: string; balanceMinor: number; segment: string | null }[]): { contactExternalId: string; userId: string }[] {
  switch (rule.rule) {
    case 'all':
      return customers.map((c) => ({ contactExternalId: c.contactExternalId, userId: rule.userId }));
    case 'segment':
      return customers.filter((c) => c.segment === rule.segment).map((c) => ({ contactExternalId: c.contactExternalId, userId: rule.userId }));
    case 'amount': {
      const min = Math.round(rule.minAmount * 100);
      return customers.filter((c) => c.balanceMinor >= min).map((c) => ({ contactExternalId: c.contactExternalId, userId: rule.userId }));
    }
    case 'round_robin': {
      const ordered = [...customers].sort((a, b) => b.balanceMinor - a.balanceMinor || a.name.localeCompare(b.name) || a.contactExternalId.localeCompare(b.contactExternalId));
      const people = [...new Set(rule.userIds)];
      return ordered.map((c, i) => ({ contactExternalId: c.contactExternalId, userId: people[i % people.length]! }));
    }
    default: {
      const never: never = rule;
      return never;
    }
  }
}

/** Applies a rule; answers how many customers each person was given. */
export async function applyRule(db: Db, auth: { firmId: string; userId: string }, rule: Rule, now: Date): Promise<{ assigned: number; byUser: { userId: string; customers: number }[] }> {
  await requireOrganisation(db, auth.firmId, rule.organisationId);
  const people = rule.rule === 'round_robin' ? rule.userIds : [rule.userId];
  await requireMembers(db, auth.firmId, people, ASSIGNABLE, rule.rule === 'round_robin' ? 'userIds' : 'userId', 'Choose a collector, a manager or an administrator of your firm.');
  const plan = planRule(rule, await organisationCustomers(db, auth.firmId, rule.organisationId, now));
  for (let i = 0; i < plan.length; i += 500) {
    await db
      .insert(customerAssignments)
      .values(plan.slice(i, i + 500).map((p) => ({ firmId: auth.firmId, organisationId: rule.organisationId, contactExternalId: p.contactExternalId, userId: p.userId, assignedByUserId: auth.userId, updatedAt: now })))
      .onConflictDoUpdate({
        target: [customerAssignments.firmId, customerAssignments.organisationId, customerAssignments.contactExternalId],
        set: { userId: sql`excluded.user_id`, assignedByUserId: sql`excluded.assigned_by_user_id`, updatedAt: sql`excluded.updated_at` },
      });
  }
  const counts = new Map<string, number>();
  for (const p of plan) counts.set(p.userId, (counts.get(p.userId) ?? 0) + 1);
  return { assigned: plan.length, byUser: [...new Set(people)].map((userId) => ({ userId, customers: counts.get(userId) ?? 0 })) };
}

/** Moves everything `fromUserId` is assigned (in one organisation, or all) to `toUserId`. */
export async function reassign(db: Db, auth: { firmId: string; userId: string }, input: z.infer<typeof ReassignSchema>, now: Date): Promise<{ moved: number }> {
  if (input.organisationId) await requireOrganisation(db, auth.firmId, input.organisationId);
  await requireMembers(db, auth.firmId, [input.toUserId], ASSIGNABLE, 'toUserId', 'Choose a collector, a manager or an administrator of your firm to take the customers over.');
  const moved = await db
    .update(customerAssignments)
    .set({ userId: input.toUserId, assignedByUserId: auth.userId, updatedAt: now })
    .where(and(eq(customerAssignments.firmId, auth.firmId), eq(customerAssignments.userId, input.fromUserId), input.organisationId ? eq(customerAssignments.organisationId, input.organisationId) : undefined))
    .returning({ id: customerAssignments.contactExternalId });
  return { moved: moved.length };
}

/** Sets (or, with null, clears) an organisation's owner. */
export async function setOwner(db: Db, auth: { firmId: string; userId: string }, organisationId: string, userId: string | null, now: Date): Promise<void> {
  await requireOrganisation(db, auth.firmId, organisationId);
  if (userId === null) {
    await db.delete(organisationOwners).where(and(eq(organisationOwners.firmId, auth.firmId), eq(organisationOwners.organisationId, organisationId)));
    return;
  }
  await requireMembers(db, auth.firmId, [userId], OWNERS, 'userId', 'An organisation’s owner is a manager or an administrator of your firm.');
  await db
    .insert(organisationOwners)
    .values({ firmId: auth.firmId, organisationId, userId, assignedByUserId: auth.userId, updatedAt: now })
    .onConflictDoUpdate({ target: [organisationOwners.firmId, organisationOwners.organisationId], set: { userId, assignedByUserId: auth.userId, updatedAt: now } });
}

export interface AssignmentOverview {
  members: { userId: string; name: string; roleName: string; canOwn: boolean }[];
  organisations: {
    id: string;
    name: string;
    currency: string;
    owner: { userId: string; name: string } | null;
    customers: number;
    /** Customers per assigned person, most first. */
    assigned: { userId: string; name: string; customers: number }[];
  }[];
}

/** Every organisation with its owner and who is assigned how many of its customers. */
export async function assignmentOverview(db: Db, firmId: string): Promise<AssignmentOverview> {
  const members = await listAssignableMembers(db, firmId);
  const nameOf = new Map(members.map((m) => [m.userId, m.name]));
  const orgs = await db.select({ id: organisations.id, name: organisations.name, currency: organisations.baseCurrency }).from(organisations).where(eq(organisations.firmId, firmId)).orderBy(organisations.name, organisations.id);
  const owners = await db.select({ organisationId: organisationOwners.organisationId, userId: organisationOwners.userId }).from(organisationOwners).where(eq(organisationOwners.firmId, firmId));
  const ownerOf = new Map(owners.map((o) => [o.organisationId, o.userId]));
  const counts = await queryRows<{ organisation_id: string; user_id: string; n: number }>(
    db,
    sql`SELECT organisation_id, user_id, count(*)::int AS n FROM customer_assignments WHERE firm_id = ${firmId} GROUP BY organisation_id, user_id`,
  );
  const customers = await queryRows<{ organisation_id: string; n: number }>(
    db,
    sql`SELECT organisation_id, count(DISTINCT contact_external_id)::int AS n FROM invoices WHERE firm_id = ${firmId} AND status NOT IN ('draft', 'submitted', 'voided', 'deleted') GROUP BY organisation_id`,
  );
  const customersOf = new Map(customers.map((c) => [c.organisation_id, c.n]));
  return {
    members: members.map((m) => ({ userId: m.userId, name: m.name, roleName: ROLE_WORDS[m.role].name, canOwn: OWNERS.includes(m.role) })),
    organisations: orgs.map((o) => {
      const owner = ownerOf.get(o.id);
      return {
        id: o.id,
        name: o.name,
        currency: o.currency,
        owner: owner ? { userId: owner, name: nameOf.get(owner) ?? 'A former member' } : null,
        customers: customersOf.get(o.id) ?? 0,
        assigned: counts
          .filter((c) => c.organisation_id === o.id)
          .map((c) => ({ userId: c.user_id, name: nameOf.get(c.user_id) ?? 'A former member', customers: c.n }))
          .sort((a, b) => b.customers - a.customers || a.name.localeCompare(b.name)),
      };
    }),
  };
}

/** The customers assigned to a person (every organisation of the firm). */
export async function assignedCustomers(db: Db, firmId: string, userId?: string): Promise<{ organisationId: string; contactExternalId: string; userId: string }[]> {
  return db
    .select({ organisationId: customerAssignments.organisationId, contactExternalId: customerAssignments.contactExternalId, userId: customerAssignments.userId })
    .from(customerAssignments)
    .where(and(eq(customerAssignments.firmId, firmId), userId ? eq(customerAssignments.userId, userId) : undefined));
}
