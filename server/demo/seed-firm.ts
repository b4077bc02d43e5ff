/** The demo firm and its signed-in user (embedded mode). Idempotent. */
import { and, asc, eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { firms, membershipOrganisations, memberships, organisations, users } from '../db/schema';
import { conflict } from '../../kernel/errors';
import { asSystem } from '../db/firm-scope';

export const DEMO_SUBJECT = 'demo-admin';

/** Finds or creates the demo firm and user: a boot-time and sign-in lookup, so as the system. */
export async function ensureDemoFirm(db: Db): Promise<{ firmId: string; userId: string }> {
  return asSystem(() => db.transaction(async (tx) => {
    const existing = await tx.select({ id: users.id }).from(users).where(and(eq(users.authProvider, 'demo'), eq(users.authSubject, DEMO_SUBJECT)));
    if (existing[0]) {
      const m = await tx.select({ firmId: memberships.firmId }).from(memberships).where(eq(memberships.userId, existing[0].id)).limit(1);
      if (m[0]) return { firmId: m[0].firmId, userId: existing[0].id };
    }
    const [firm] = await tx.insert(firms).values({ name: 'Northwind Accounting Partners', reportingCurrency: 'USD' }).returning({ id: firms.id });
    const [user] = existing[0]
      ? existing
      : await tx.insert(users).values({ email: 'demo@northwind-accounting.example', name: 'Dana Demo', authProvider: 'demo', authSubject: DEMO_SUBJECT }).returning({ id: users.id });
    await tx.insert(memberships).values({ firmId: firm!.id, userId: user!.id, role: 'admin' });
    return { firmId: firm!.id, userId: user!.id };
  }));
}

/** Who else the demo can be signed in as: a collector, and a person at the first client (a client contact). */
export const DEMO_MEMBERS = {
  collector: { subject: 'demo-collector', name: 'Colin Collector', email: 'colin@northwind-accounting.example', role: 'collector' },
  client_contact: { subject: 'demo-client', name: 'Clara Client', email: 'clara@harbour-joinery.example', role: 'client_contact' },
} as const;
export type DemoMember = keyof typeof DEMO_MEMBERS;

/**
 * The demo firm's collector or client contact, created on first use (idempotent). The client
 * contact belongs to the firm's first client organisation by name; before the demo clients have
 * connected there is none yet, and signing in as them says so.
 */
export async function ensureDemoMember(db: Db, firmId: string, who: DemoMember): Promise<{ userId: string }> {
  const m = DEMO_MEMBERS[who];
  return asSystem(() =>
    db.transaction(async (tx) => {
      let [user] = await tx.select({ id: users.id }).from(users).where(and(eq(users.authProvider, 'demo'), eq(users.authSubject, m.subject)));
      if (!user) [user] = await tx.insert(users).values({ email: m.email, name: m.name, authProvider: 'demo', authSubject: m.subject }).returning({ id: users.id });
      await tx.insert(memberships).values({ firmId, userId: user!.id, role: m.role }).onConflictDoNothing();
      if (who === 'client_contact') {
        const [first] = await tx.select({ id: organisations.id }).from(organisations).where(eq(organisations.firmId, firmId)).orderBy(asc(organisations.name)).limit(1);
        if (!first) throw conflict('The demo’s client organisations are still connecting: try again in a few seconds.');
        const linked = await tx.select({ id: membershipOrganisations.organisationId }).from(membershipOrganisations).where(and(eq(membershipOrganisations.firmId, firmId), eq(membershipOrganisations.userId, user!.id)));
        if (linked.length === 0) await tx.insert(membershipOrganisations).values({ firmId, userId: user!.id, organisationId: first.id });
      }
      return { userId: user!.id };
    }),
  );
}
