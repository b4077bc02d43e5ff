/** Data-quality findings with a link to fix each one in the ledger. */
import { Anchor, Badge, Group, Stack, Text } from '@mantine/core';
import { ExportCsvButton, LoadError, Loading } from '../../components/analytics/bits';
import { type Column, DataTable } from '../../components/analytics/DataTable';
import type { DataQuality, Finding } from '../../components/analytics/types';
import { useApiQuery } from '../../components/analytics/use-api';

function useDataQuality(organisationId: string) {
  return useApiQuery<DataQuality>(`/organisations/${organisationId}/data-quality`);
}

export function DataQualitySummary({ organisationId }: { organisationId: string }) {
  const dq = useDataQuality(organisationId);
  if (dq.isPending) return <Loading />;
  if (dq.error) return <LoadError error={dq.error} />;
  const kinds = Object.entries(dq.data.counts).filter(([, n]) => n > 0);
  if (kinds.length === 0) return <Text c="dimmed">No problems found in {dq.data.customersChecked} customers.</Text>;
  return (
    <Stack gap="xs">
      <Group gap="xs">
        {kinds.map(([k, n]) => (
          <Badge key={k} variant="light" color={k.startsWith('duplicate') ? 'grape' : k === 'missing_due_date' ? 'orange' : 'yellow'}>
            {dq.data.labels[k]}: {n}
          </Badge>
        ))}
      </Group>
      {dq.data.findings.slice(0, 4).map((f) => (
        <Text key={`${f.kind}-${f.externalId}-${f.detail}`} fz="sm">
          {f.name}: {f.detail}.{' '}
          <Anchor href={f.link} target="_blank" rel="noreferrer" fz="sm">
            Fix in ledger
          </Anchor>
        </Text>
      ))}
      {dq.data.findings.length > 4 && (
        <Text fz="xs" c="dimmed">
          and {dq.data.findings.length - 4} more under Data quality.
        </Text>
      )}
    </Stack>
  );
}

export function DataQualityPanel({ organisationId }: { organisationId: string }) {
  const dq = useDataQuality(organisationId);
  if (dq.isPending) return <Loading />;
  if (dq.error) return <LoadError error={dq.error} />;
  const columns: Column<Finding>[] = [
    { key: 'kind', label: 'Issue', sort: (f) => f.kind, render: (f) => (
        <Text fz="sm" fw={500} c={f.kind.startsWith('duplicate') ? 'grape.7' : f.kind === 'missing_due_date' ? 'orange.8' : 'yellow.9'} style={{ whiteSpace: 'nowrap' }}>
          {dq.data.labels[f.kind] ?? f.kind}
        </Text>
      ),
    },
    { key: 'name', label: 'Customer / invoice', wrap: true, sort: (f) => f.name.toLowerCase(), render: (f) => f.name },
    { key: 'detail', label: 'Detail', wrap: true, render: (f) => f.detail },
    {
      key: 'fix',
      label: 'Fix',
      render: (f) => (
        <Anchor href={f.link} target="_blank" rel="noreferrer" fz="sm" style={{ whiteSpace: 'nowrap' }}>
          Fix in ledger ↗
        </Anchor>
      ),
    },
  ];
  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <Text fz="sm" c="dimmed">
          {dq.data.findings.length} finding{dq.data.findings.length === 1 ? '' : 's'} in {dq.data.customersChecked} customers and their invoices.
        </Text>
        <ExportCsvButton path={`/organisations/${organisationId}/data-quality`} />
      </Group>
      <DataTable label="Data quality" columns={columns} rows={dq.data.findings} rowKey={(f) => `${f.kind}-${f.externalId}-${f.detail}`} empty={<Text c="dimmed">No problems found.</Text>} />
    </Stack>
  );
}
