/** Replies (server/routes/replies.ts): a customer's conversation, the replies waiting in My work, confirm / dismiss / answer. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ConversationItem, WaitingReply } from '../../../server/replies/conversation';
import { api } from '../api';

export type { ConversationItem, WaitingReply };

export function useConversation(organisationId: string, contactExternalId: string) {
  return useQuery({
    queryKey: ['conversation', organisationId, contactExternalId],
    queryFn: () => api<{ items: ConversationItem[] }>(`/conversation?organisationId=${encodeURIComponent(organisationId)}&contactExternalId=${encodeURIComponent(contactExternalId)}`),
  });
}

export function useWaitingReplies() {
  return useQuery({ queryKey: ['replies-waiting'], queryFn: () => api<{ replies: WaitingReply[] }>('/replies/waiting?mine=1') });
}

function useInvalidate() {
  const qc = useQueryClient();
  return () =>
    Promise.all([
      qc.invalidateQueries({ queryKey: ['conversation'] }),
      qc.invalidateQueries({ queryKey: ['replies-waiting'] }),
      qc.invalidateQueries({ queryKey: ['activities'] }),
      qc.invalidateQueries({ queryKey: ['my-work'] }),
    ]);
}

export function useDecide() {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: (v: { id: string; decision: 'confirm' | 'dismiss'; date?: string }) =>
      api<{ id: string; statusName: string; recorded: string | null }>(`/replies/${v.id}/decide`, { method: 'POST', body: { decision: v.decision, ...(v.date ? { date: v.date } : {}) } }),
    onSettled: invalidate,
  });
}

export function useAnswer() {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: (v: { id: string; text: string }) => api<{ id: string }>(`/replies/${v.id}/answer`, { method: 'POST', body: { text: v.text } }),
    onSettled: invalidate,
  });
}
