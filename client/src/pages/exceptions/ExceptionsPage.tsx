/**
 * The Exceptions queue (issue #19, server/exceptions/): payment exceptions across the firm, or one
 * organisation's (`?organisation=`), each in words with its one-click actions and a reason. Xero
 * overpayments and prepayments can be applied to another open invoice (one `allocation` write-back);
 * anything can be kept as credit; QuickBooks money only kept, with the server's sentence why.
 * Overpaid and duplicate money can be refunded (amount up to the money in question, a `refund`
 * write-back); money that came in by card through a pay link or autopay can instead go back to
 * the card ("Refund to card", decision 055). Returned payments and chargebacks (server/returns/)
 * are listed above the queue.
 */
import { Anchor, Badge, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { Link, useSearch } from 'wouter';
import type { ExceptionView } from '../../../../server/exceptions/service';
import type { ReturnView } from '../../../../server/returns/service';
import { Header, LoadError, Loading } from '../../components/analytics/bits';
import { useApiQuery } from '../../components/analytics/use-api';
import { useCanAct } from '../../writebacks/actions/Actions';
import { CustomerName, ExceptionCard } from './ExceptionCard';

/** A returned payment or chargeback (server/returns/): listed with the queue, handled by the returns service. */
function ReturnedCard({ item, showOrganisation }: { item: ReturnView; showOrganisation: boolean }) {
  return (
    <Paper withBorder p="md" radius="md" data-testid="returned" data-returned={item.originText}>
      <Stack gap={4}>
        <Group gap="xs" wrap="wrap">
          <Badge variant="light" color="red" styles={{ root: { maxWidth: '100%' }, label: { overflow: 'visible' } }}>
            {item.originText}
          </Badge>
          <Text fw={700} fz="sm">
            {item.amountText}
          </Text>
        </Group>
        {item.customerName && (
          <Text fw={600} style={{ overflowWrap: 'anywhere' }}>
            <CustomerName id={item.customerId} name={item.customerName} />
          </Text>
        )}
        <Text fz="sm" style={{ overflowWrap: 'anywhere' }}>
          Paid on {item.paidOnText} against invoice {item.invoiceNumber || 'without a number'}
          {item.reason ? ` — ${item.reason}` : ''}
        </Text>
        <Text fz="sm" fw={600} data-testid="returned-status">
          {item.statusText}
        </Text>
        {item.disputeText && <Text fz="sm">{item.disputeText}</Text>}
        {item.evidenceDueText && (
          <Text fz="sm" c="orange.8" fw={600}>
            {item.evidenceDueText}
          </Text>
        )}
        <Text fz="xs" c="dimmed">
          {showOrganisation ? `${item.organisationName} · ` : ''}
          {item.debtorTold ? 'The customer has been told.' : 'The customer has not been told yet.'}
        </Text>
      </Stack>
    </Paper>
  );
}

export function ExceptionsPage() {
  const search = new URLSearchParams(useSearch());
  const organisationId = search.get('organisation');
  const { canAct } = useCanAct();
  const list = useApiQuery<{ exceptions: ExceptionView[]; returned: ReturnView[] }>(`/exceptions${organisationId ? `?organisationId=${encodeURIComponent(organisationId)}` : ''}`);
  if (list.isPending) return <Loading />;
  if (list.error) return <LoadError error={list.error} />;
  const items = list.data.exceptions;
  const returned = list.data.returned ?? [];
  const orgName = organisationId ? (items[0]?.organisationName ?? returned[0]?.organisationName) : null;
  return (
    <Stack gap="md">
      <Header
        title={
          <div>
            <Title order={2}>Exceptions</Title>
            <Text c="dimmed" fz="sm">
              {organisationId ? `Payments that need a decision at ${orgName ?? 'this organisation'}.` : 'Payments that need a decision, across every client.'}{' '}
              {organisationId && (
                <Anchor component={Link} href="/exceptions" fz="sm">
                  Show every client
                </Anchor>
              )}
            </Text>
          </div>
        }
      />
      {returned.length > 0 && (
        <Stack gap="sm" data-testid="returned-list">
          <Title order={3} fz="h4">
            Returned payments and chargebacks
          </Title>
          {returned.map((r) => (
            <ReturnedCard key={r.id} item={r} showOrganisation={!organisationId} />
          ))}
        </Stack>
      )}
      {returned.length > 0 && (
        <Title order={3} fz="h4">
          Needs a decision
        </Title>
      )}
      {items.length === 0 ? (
        <Paper withBorder p="lg" radius="md">
          <Text c="dimmed">Nothing needs a decision.</Text>
        </Paper>
      ) : (
        <Stack gap="sm">
          {items.map((e) => (
            <ExceptionCard key={e.key} item={e} canAct={canAct} />
          ))}
        </Stack>
      )}
    </Stack>
  );
}
