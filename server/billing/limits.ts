/**
 * The plan's limit at connect time (docs/decisions/019-app-store-billing.md): connecting one more
 * client organisation than the firm's App Store plan allows — or any new one while the
 * subscription is past due or cancelled — is refused with a sentence. Reconnecting an organisation
 * the firm already has (not disconnected) is never refused, and nothing connected is cut off.
 */
import { and, eq, ne } from 'drizzle-orm';
import type { Provider } from '../../integrations/ledger/types';
import type { Db } from '../db/client';
import { asSystem } from '../db/firm-scope';
import { organisations } from '../db/schema';
import { connectRefusal } from './plans';
import { connectedCount, firmSubscription, linkFirmSubscriptions } from './subscriptions';

/** Null when the tenant may be connected, else why not, in a sentence. */
export async function connectionRefusal(db: Db, params: { firmId: string; provider: Provider; externalId: string; now: Date }): Promise<string | null> {
  const [already] = await asSystem(() =>
    db
      .select({ id: organisations.id })
      .from(organisations)
      .where(and(eq(organisations.firmId, params.firmId), eq(organisations.provider, params.provider), eq(organisations.externalId, params.externalId), ne(organisations.status, 'disconnected')))
      .limit(1),
  );
  if (already) return null;
  await linkFirmSubscriptions(db, params.firmId, params.now);
  const subscription = await firmSubscription(db, params.firmId);
  if (!subscription) return null;
  return connectRefusal(subscription, await connectedCount(db, params.firmId), params.now);
}
