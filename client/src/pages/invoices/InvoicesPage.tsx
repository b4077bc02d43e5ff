/** Invoices of one client organisation with status filters and CSV export. */
import { Paper, Stack, Text, Title } from '@mantine/core';
import { Header, Loading } from '../../components/analytics/bits';
import { invoiceName } from '../../components/analytics/format';
import { InvoicesTable } from '../../components/analytics/InvoicesTable';
import { OrganisationSelect, useSelectedOrganisation } from '../../components/analytics/OrganisationSelect';
import { InvoiceRiskPanel } from '../../scoring';
import { InvoiceActionsMenu } from '../../writebacks/actions/Actions';

export function InvoicesPage() {
  const { orgs, selected, select, list } = useSelectedOrganisation();
  return (
    <Stack gap="md">
      <Header
        title={
          <div>
            <Title order={2}>Invoices</Title>
            <Text c="dimmed">Open and settled invoices synced from Xero and QuickBooks.</Text>
          </div>
        }
      >
        <OrganisationSelect orgs={orgs} value={selected?.id ?? null} onChange={select} />
      </Header>
      {list.isPending ? (
        <Loading />
      ) : !selected ? (
        <Paper withBorder p="xl" radius="md">
          <Text fw={600}>Nothing to show yet</Text>
          <Text size="sm" c="dimmed">
            Connect a client’s Xero organisation or QuickBooks company under Settings to bring in contacts, invoices and payments.
          </Text>
        </Paper>
      ) : (
        <Paper withBorder radius="md" p="sm">
          <InvoicesTable
            key={selected.id}
            organisationId={selected.id}
            timeZone={selected.timezone}
            actions={(r) =>
              r.status === 'paid' || !r.customerExternalId ? null : (
                <InvoiceActionsMenu target={{ organisationId: selected.id, contactExternalId: r.customerExternalId, customerName: r.customerName, invoice: { id: r.id, number: invoiceName(r), currency: r.currency, amountDue: r.balance, total: r.total } }} />
              )
            }
          />
        </Paper>
      )}
      <InvoiceRiskPanel organisationId={selected?.id} />
    </Stack>
  );
}
