/**
 * Every few hours, ask the providers whether Arcus is still connected to each active
 * organisation (Xero: /connections lists the tenant; QuickBooks: the API accepts the token), so
 * a disconnect made on the provider's side shows in Settings › Connections without waiting for
 * the next sync to fail.
 */
import { z } from 'zod';
import { checkConnections } from '../../server/connections/detect';
import { defineJob } from '../define';
import { connectionDepsFrom } from '../../server/connections/deps';

export const CHECK_EVERY_MS = 3 * 3_600_000;

export const checkProviderConnections = defineJob({
  name: 'connections.check',
  schema: z.object({}),
  attempts: 2,
  backoffMs: 60_000,
  async handler(_payload, ctx) {
    const counts = await checkConnections(connectionDepsFrom(ctx.services));
    if (counts.disconnected || counts.needs_reauth) ctx.log.info(counts, 'provider-side disconnects found');
  },
});
