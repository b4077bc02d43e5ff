/**
 * Settings › Billing policies (issue #21, server/billing-review/policies.ts): payment terms, invoicing
 * frequency and whether a purchase-order reference is needed, per customer type (the customer's group
 * in Arcus; an empty type is the policy for customers without one). Billing review compares each
 * invoice awaiting dispatch with them. Administrators change them (`settings.manage`).
 */
import { Alert, Button, Checkbox, Group, NumberInput, Paper, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, fieldErrors, formError } from '../../api';
import { useSession } from '../../session';
import type { PolicyView } from '../../../../server/billing-review/policies';

const KEY = ['billing-policies'];
const FREQUENCIES = [
  { value: 'per_job', label: 'Per job' },
  { value: 'weekly', label: 'Weekly' },
  { value: 'monthly', label: 'Monthly' },
  { value: 'quarterly', label: 'Quarterly' },
  { value: 'annually', label: 'Annually' },
];

export function BillingPoliciesSection() {
  const session = useSession();
  const canChange = session.data?.user?.permissions.includes('settings.manage') ?? false;
  const client = useQueryClient();
  const q = useQuery({ queryKey: KEY, queryFn: () => api<{ policies: PolicyView[] }>('/billing-policies') });
  const [customerType, setCustomerType] = useState('');
  const [termsDays, setTermsDays] = useState<number | string>(30);
  const [frequency, setFrequency] = useState<string | null>('monthly');
  const [requiresPurchaseOrder, setRequiresPurchaseOrder] = useState(false);
  const save = useMutation({
    mutationFn: () => api<{ policy: PolicyView }>('/billing-policies', { method: 'PUT', body: { customerType, termsDays: termsDays === '' ? null : Number(termsDays), frequency, requiresPurchaseOrder } }),
    onSuccess: () => void client.invalidateQueries({ queryKey: KEY }),
  });
  const remove = useMutation({
    mutationFn: (type: string) => api('/billing-policies/remove', { method: 'POST', body: { customerType: type } }),
    onSuccess: () => void client.invalidateQueries({ queryKey: KEY }),
  });
  const errors = fieldErrors(save.error);
  const general = formError(save.error, ['customerType', 'termsDays', 'frequency', 'requiresPurchaseOrder']);
  if (q.error) return <Alert color="red">{q.error.message}</Alert>;
  if (!q.data) return null;
  return (
    <Stack gap="lg" data-testid="billing-policies">
      <div>
        <Title order={3}>Billing policies</Title>
        <Text size="sm" c="dimmed">
          Payment terms and how often each type of customer is invoiced. Billing review flags an invoice whose terms differ (the terms agreed with the customer in the ledger come first). A customer’s type is its group, set on the customer’s page.
        </Text>
      </div>
      {q.data.policies.length === 0 ? (
        <Text size="sm" c="dimmed">
          No policies yet: billing review only compares terms agreed in the ledger.
        </Text>
      ) : (
        <Stack gap="xs">
          {q.data.policies.map((p) => (
            <Paper key={p.customerType} withBorder p="sm" radius="md" data-testid="billing-policy">
              <Group justify="space-between" wrap="wrap" gap="xs">
                <div style={{ minWidth: 0, flex: '1 1 14rem' }}>
                  <Text fw={600}>{p.customerTypeText}</Text>
                  <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
                    {p.summary}
                  </Text>
                </div>
                {canChange && (
                  <Button size="xs" variant="default" loading={remove.isPending && remove.variables === p.customerType} onClick={() => remove.mutate(p.customerType)}>
                    Remove
                  </Button>
                )}
              </Group>
            </Paper>
          ))}
        </Stack>
      )}
      {canChange ? (
        <Paper withBorder p="md" radius="md">
          <Stack gap="sm">
            <Text fw={600}>Add or change a policy</Text>
            <TextInput label="Customer type" description="Leave empty for customers without a type." value={customerType} onChange={(e) => setCustomerType(e.currentTarget.value)} maxLength={80} error={errors.customerType} />
            <NumberInput label="Payment terms (days after the invoice date)" value={termsDays} onChange={setTermsDays} allowDecimal={false} allowNegative={false} error={errors.termsDays} />
            <Select label="Invoicing frequency" data={FREQUENCIES} value={frequency} onChange={setFrequency} allowDeselect={false} error={errors.frequency} comboboxProps={{ withinPortal: true }} />
            <Checkbox label="A purchase-order reference is needed on every invoice" checked={requiresPurchaseOrder} onChange={(e) => setRequiresPurchaseOrder(e.currentTarget.checked)} />
            {general && (
              <Alert color="red" p="xs">
                {general}
              </Alert>
            )}
            <Group>
              <Button loading={save.isPending} onClick={() => save.mutate()}>
                Save policy
              </Button>
            </Group>
          </Stack>
        </Paper>
      ) : (
        <Text size="sm" c="dimmed">
          Only an administrator can change billing policies.
        </Text>
      )}
    </Stack>
  );
}
