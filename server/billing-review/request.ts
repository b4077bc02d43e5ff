import type { QueuePort } from '../queue';

/** Ask for the organisation's billing review checks to run (after a sync): one job per sync run. */
export async function requestReviewRefresh(queue: QueuePort, organisationId: string, key: string): Promise<void> {
  await queue.request('billing-review.refresh', { organisationId }, { jobId: `breview-${organisationId}-${key}` });
}
