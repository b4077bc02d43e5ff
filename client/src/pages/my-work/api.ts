/** My work, team queues and assignment: wire types are the server's own (type-only imports). */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api';
import type { MyWork, TeamQueue } from '../../../../server/team/my-work';
import type { AssignmentOverview } from '../../../../server/team/assignments';

export type { FollowUpDue, MyWork, PromiseItem, TeamQueue } from '../../../../server/team/my-work';
export type { AssignmentOverview } from '../../../../server/team/assignments';

/** Customers per My work page. */
export const MY_WORK_PAGE_SIZE = 50;

export function useMyWork(page = 1) {
  const q = new URLSearchParams({ limit: String(MY_WORK_PAGE_SIZE), offset: String((page - 1) * MY_WORK_PAGE_SIZE) });
  return useQuery({ queryKey: ['my-work', page], queryFn: () => api<MyWork>(`/my-work?${q}`), placeholderData: keepPreviousData });
}

export function useTeamQueues(enabled: boolean) {
  return useQuery({ queryKey: ['team-queues'], queryFn: () => api<{ reportingCurrency: string; queues: TeamQueue[] }>('/team-queues'), enabled });
}

export function useAssignments() {
  return useQuery({ queryKey: ['assignments'], queryFn: () => api<AssignmentOverview>('/assignments') });
}

export type RuleInput =
  | { rule: 'all'; organisationId: string; userId: string }
  | { rule: 'segment'; organisationId: string; segment: string; userId: string }
  | { rule: 'amount'; organisationId: string; minAmount: number; userId: string }
  | { rule: 'round_robin'; organisationId: string; userIds: string[] };

function useInvalidate() {
  const qc = useQueryClient();
  return () => Promise.all(['assignments', 'my-work', 'team-queues'].map((k) => qc.invalidateQueries({ queryKey: [k] })));
}

export function useApplyRule() {
  const invalidate = useInvalidate();
  return useMutation({ mutationFn: (v: RuleInput) => api<{ assigned: number }>('/assignments/rules', { method: 'POST', body: v }), onSuccess: invalidate });
}

export function useReassign() {
  const invalidate = useInvalidate();
  return useMutation({ mutationFn: (v: { fromUserId: string; toUserId: string; organisationId?: string }) => api<{ moved: number }>('/assignments/reassign', { method: 'POST', body: v }), onSuccess: invalidate });
}

export function useSetOwner() {
  const invalidate = useInvalidate();
  return useMutation({ mutationFn: (v: { organisationId: string; userId: string | null }) => api(`/organisations/${v.organisationId}/owner`, { method: 'PUT', body: { userId: v.userId } }), onSuccess: invalidate });
}
