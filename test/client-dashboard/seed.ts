/**
 * The client dashboard's tests' firm: the scoring fixture (two organisations with a history, the
 * clock pinned to 17 June 2026), a client contact linked to Harbour Supplies only, this month's
 * work for both organisations (and some of last month's, which must not count), and one late fee
 * waiting for Harbour Supplies' client.
 */
import { randomUUID } from 'node:crypto';
import type { Database } from '../../server/db/client';
import { activities, clientApprovalPolicies, membershipOrganisations, memberships, users } from '../../server/db/schema';
import { requestWriteback } from '../../server/writebacks/request';
import { buildFixture, NOW, type ScoringFixture } from '../scoring/fixture';

export interface ClientDashboardFixture {
  fx: ScoringFixture;
  clientId: string;
}

export async function seedClientDashboard(database: Database): Promise<ClientDashboardFixture> {
  const db = database.db;
  const fx = await buildFixture(database);
  const [u] = await db.insert(users).values({ email: `clara-${randomUUID().slice(0, 8)}@harbour-client.example`, name: 'Clara Client', authProvider: 'invitation', authSubject: randomUUID() }).returning();
  await db.insert(memberships).values({ firmId: fx.firmId, userId: u!.id, role: 'client_contact' });
  await db.insert(membershipOrganisations).values({ firmId: fx.firmId, userId: u!.id, organisationId: fx.orgA.id });
  const at = (iso: string) => new Date(iso);
  const act = (organisationId: string, kind: string, createdAt: Date) => ({ firmId: fx.firmId, organisationId, actorType: 'system', kind, summary: `${kind} for the test`, createdAt });
  await db.insert(activities).values([
    act(fx.orgA.id, 'reminder.sent', at('2026-06-02T09:00:00Z')),
    act(fx.orgA.id, 'reminder.sent', at('2026-06-16T09:00:00Z')),
    act(fx.orgA.id, 'promise.recorded', at('2026-06-10T11:00:00Z')),
    act(fx.orgA.id, 'payment.received', at('2026-06-11T11:00:00Z')),
    // Last month: not this month's work.
    act(fx.orgA.id, 'reminder.sent', at('2026-05-28T09:00:00Z')),
    // The other organisation's work: never the client's.
    act(fx.orgB.id, 'reminder.sent', at('2026-06-05T09:00:00Z')),
    act(fx.orgB.id, 'promise.recorded', at('2026-06-05T10:00:00Z')),
  ]);
  await db.insert(clientApprovalPolicies).values({ firmId: fx.firmId, organisationId: fx.orgA.id, lateFees: true, creditsAbove: null, paymentPlans: false });
  const fee = await requestWriteback(
    { db, enqueueExecute: async () => {}, now: () => NOW },
    {
      firmId: fx.firmId,
      organisationId: fx.orgA.id,
      contactExternalId: 'chronic',
      currency: 'USD',
      requestedBy: 'user',
      userId: fx.userId,
      kind: 'late_fee',
      purpose: 'late_fee',
      sourceKey: `late_fee:client-dashboard:${randomUUID()}`,
      amount: '25.00',
      request: { mode: 'invoice', contactExternalId: 'chronic', date: '2026-06-17', dueDate: '2026-07-01', reference: 'Late fee', currency: 'USD', lines: [{ description: 'Late payment fee', amount: '25.00' }] },
      summary: 'Late fee of $25.00',
    },
  );
  if (fee.status !== 'awaiting_client') throw new Error(`the late fee should wait for the client, not be ${fee.status}`);
  return { fx, clientId: u!.id };
}
