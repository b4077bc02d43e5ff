/**
 * Billing review (issue #21, server/billing-review/): invoices awaiting dispatch across the firm, or
 * one organisation's (`?organisation=`), each with its findings in words. "Ask for approval", then a
 * second person "Approve"s (the invoice is approved in the ledger through a write-back), or "Send
 * back" with a comment. The server says who may do what; the page only offers it.
 */
import { Alert, Anchor, Badge, Button, Group, List, Paper, Stack, Text, Textarea, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useSearch } from 'wouter';
import { api, fieldErrors, formError } from '../../api';
import { Header, LoadError, Loading } from '../../components/analytics/bits';
import { useApiQuery } from '../../components/analytics/use-api';
import { notify } from '../../writebacks/notify';
import type { ReviewItemView } from '../../../../server/billing-review/service';

const STATUS_COLOR: Record<ReviewItemView['status'], string> = { to_review: 'blue', awaiting_approval: 'grape', approved: 'green', sent_back: 'orange', closed: 'gray' };

function ReviewCard({ item }: { item: ReviewItemView }) {
  const client = useQueryClient();
  const [comment, setComment] = useState('');
  const act = useMutation({
    mutationFn: (action: ReviewItemView['actions'][number]) => {
      const path = action === 'request' ? 'request' : action === 'approve' ? 'approve' : 'send-back';
      const body = action === 'approve' ? {} : action === 'request' ? (comment.trim() ? { comment } : {}) : { comment };
      return api<{ message: string }>(`/billing-review/${item.id}/${path}`, { method: 'POST', body });
    },
    onSuccess: (r) => {
      notify({ title: `${item.invoiceText}: ${item.customerName}`, message: r.message });
      setComment('');
      void client.invalidateQueries({ queryKey: ['analytics'] });
    },
  });
  const errors = fieldErrors(act.error);
  const general = formError(act.error, ['comment']);
  return (
    <Paper withBorder p="md" radius="md" data-testid="review-item" data-status={item.statusText}>
      <Stack gap="xs">
        <Group justify="space-between" align="flex-start" wrap="wrap" gap="xs">
          <div style={{ minWidth: 0, flex: '1 1 16rem' }}>
            <Group gap="xs" wrap="wrap">
              <Badge variant="light" color={STATUS_COLOR[item.status]}>
                {item.statusText}
              </Badge>
              <Text fw={700} fz="sm">
                {item.amountText}
              </Text>
            </Group>
            <Text fw={600} mt={4} style={{ overflowWrap: 'anywhere' }}>
              {item.invoiceText} · {item.customerName}
            </Text>
            <Text fz="xs" c="dimmed">
              {item.organisationName} · {item.ledgerName} · issued {item.issuedText} · due {item.dueText}
            </Text>
          </div>
        </Group>
        {item.findings.length === 0 ? (
          <Text fz="sm" c="dimmed">
            The checks found nothing to look at.
          </Text>
        ) : (
          <List size="sm" spacing={4} data-testid="findings">
            {item.findings.map((f) => (
              <List.Item key={f.text} style={{ overflowWrap: 'anywhere' }}>
                {f.text}
              </List.Item>
            ))}
          </List>
        )}
        {item.requestedText && (
          <Text fz="xs" c="dimmed">
            {item.requestedText}
          </Text>
        )}
        {item.commentText && (
          <Alert color="orange" p="xs" data-testid="sent-back">
            {item.commentText}
          </Alert>
        )}
        {item.approveNote && (
          <Text fz="xs" c="dimmed" data-testid="approve-note">
            {item.approveNote}
          </Text>
        )}
        {item.actions.length > 0 && (
          <Stack gap="xs">
            {item.actions.includes('send_back') && (
              <Textarea label="Comment" description="Needed to send it back; kept with the review." value={comment} onChange={(e) => setComment(e.currentTarget.value)} autosize minRows={1} maxLength={1000} error={errors.comment} />
            )}
            {general && (
              <Alert color="red" p="xs">
                {general}
              </Alert>
            )}
            <Group gap="xs" wrap="wrap">
              {item.actions.includes('approve') && (
                <Button size="xs" loading={act.isPending && act.variables === 'approve'} disabled={act.isPending} onClick={() => act.mutate('approve')}>
                  Approve
                </Button>
              )}
              {item.actions.includes('request') && (
                <Button size="xs" variant={item.actions.includes('approve') ? 'default' : 'filled'} loading={act.isPending && act.variables === 'request'} disabled={act.isPending} onClick={() => act.mutate('request')}>
                  Ask for approval
                </Button>
              )}
              {item.actions.includes('send_back') && (
                <Button size="xs" variant="default" loading={act.isPending && act.variables === 'send_back'} disabled={act.isPending} onClick={() => act.mutate('send_back')}>
                  Send back
                </Button>
              )}
            </Group>
          </Stack>
        )}
      </Stack>
    </Paper>
  );
}

export function BillingReviewPage() {
  const search = new URLSearchParams(useSearch());
  const organisationId = search.get('organisation');
  const list = useApiQuery<{ items: ReviewItemView[] }>(`/billing-review${organisationId ? `?organisationId=${encodeURIComponent(organisationId)}` : ''}`);
  if (list.isPending) return <Loading />;
  if (list.error) return <LoadError error={list.error} />;
  const items = list.data.items;
  const orgName = organisationId ? items[0]?.organisationName : null;
  const flagged = items.filter((i) => i.findings.length > 0).length;
  return (
    <Stack gap="md">
      <Header
        title={
          <div>
            <Title order={2}>Billing review</Title>
            <Text c="dimmed" fz="sm">
              {organisationId ? `Invoices awaiting dispatch at ${orgName ?? 'this organisation'}.` : 'Invoices awaiting dispatch, across every client.'} {items.length} to review, {flagged} with something to look at. A second person approves.{' '}
              {organisationId && (
                <Anchor component={Link} href="/billing-review" fz="sm">
                  Show every client
                </Anchor>
              )}
            </Text>
          </div>
        }
      />
      {items.length === 0 ? (
        <Paper withBorder p="lg" radius="md">
          <Text c="dimmed">No invoices are waiting for review.</Text>
        </Paper>
      ) : (
        <Stack gap="sm">
          {items.map((i) => (
            <ReviewCard key={i.id} item={i} />
          ))}
        </Stack>
      )}
    </Stack>
  );
}
