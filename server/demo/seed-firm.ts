/** The demo firm and its signed-in user (embedded mode). Idempotent. */
import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { firms, memberships, users } from '../db/schema';
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
