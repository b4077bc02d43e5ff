import type { QueuePort } from '../queue';

/** Ask for an organisation's collections assessment now (e.g. after a sync): deduplicated within the minute of `at`. */
export async function requestCollectionsAssessment(queue: QueuePort, organisationId: string, at: Date): Promise<void> {
  await queue.request('collections.assess', { organisationId }, { jobId: `cassess-${organisationId}-${at.getTime() - (at.getTime() % 60_000)}` });
}
