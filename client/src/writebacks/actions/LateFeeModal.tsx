/** Late fees on one invoice: what the firm's policy would charge now (preview), apply it, and forgive fees already charged. */
import { Alert, Anchor, Button, Group, Loader, Modal, Stack, Table, Text } from '@mantine/core';
import { Link } from 'wouter';
import { type ActionTarget, applyLateFee, type FeePreview, forgiveFee, useFeePreview, useWritebackMutation, type WritebackStatus } from '../api';
import { money, StatusBadge } from '../labels';
import { notify, notifyError } from '../notify';

const BLOCKED: Record<NonNullable<FeePreview['blocked']>, string> = {
  closed: 'The invoice is not open, so no fee can be charged.',
  no_due_date: 'The invoice has no due date, so it is never late.',
  disputed: 'The invoice is disputed: resolve the dispute before charging a fee.',
  on_plan: 'The invoice is on a payment plan: no fees while the plan runs.',
  arcus_invoice: 'Arcus created this invoice (a fee or an instalment); fees are not charged on it.',
};

/** Why no fee is due, in words (the server's reason keys are never shown). */
const FEE_SKIPPED: Record<string, string> = {
  not_overdue: 'it is not overdue',
  in_grace: 'it is still within the grace period',
  below_minimum_due: 'the amount due is below the minimum for fees',
  cap_reached: 'the fees charged have reached the cap',
  nothing_due: 'nothing more is due',
};

export function LateFeeModal({ target, opened, onClose }: { target: ActionTarget; opened: boolean; onClose: () => void }) {
  const inv = target.invoice!;
  const preview = useFeePreview(target.organisationId, inv.id, opened);
  const apply = useWritebackMutation(applyLateFee);
  const forgive = useWritebackMutation(forgiveFee);
  const p = preview.data;
  const cur = p?.invoice.currency ?? inv.currency;
  return (
    <Modal opened={opened} onClose={onClose} title={`Late fee on ${inv.number}`} size="lg">
      <Stack gap="sm">
        {preview.isPending ? <Loader size="sm" aria-label="Working out the fee" /> : null}
        {preview.error ? <Alert color="red">{preview.error.message}</Alert> : null}
        {p ? (
          <>
            <Text size="sm" c="dimmed">
              {money(p.invoice.amountDue, cur)} due{p.overdueDays !== null ? ` · ${p.overdueDays} days overdue` : ''} · by the firm’s late-fee policy (
              <Anchor component={Link} href="/settings/collections" size="sm">
                settings
              </Anchor>
              ).
            </Text>
            {p.blocked ? <Alert color="yellow">{BLOCKED[p.blocked]}</Alert> : null}
            {!p.blocked && p.fees.length === 0 ? <Alert color="blue">No fee is due on this invoice now{p.skipped ? `: ${FEE_SKIPPED[p.skipped] ?? 'nothing more is due'}` : ''}.</Alert> : null}
            {p.fees.length > 0 ? (
              <Table verticalSpacing={4} data-testid="fee-preview">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Fee due now</Table.Th>
                    <Table.Th ta="right">Amount</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {p.fees.map((f) => (
                    <Table.Tr key={f.periodKey}>
                      <Table.Td>
                        <Text size="sm">{f.label}</Text>
                        {f.uncapped ? (
                          <Text size="xs" c="dimmed">
                            capped from {money(f.uncapped, cur)}
                          </Text>
                        ) : null}
                      </Table.Td>
                      <Table.Td ta="right">{money(f.amount, cur)}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            ) : null}
            {p.charged.length > 0 ? (
              <>
                <Text size="sm" fw={600}>
                  Already charged
                </Text>
                <Table verticalSpacing={4}>
                  <Table.Tbody>
                    {p.charged.map((c) => (
                      <Table.Tr key={c.writebackId}>
                        <Table.Td>{c.periodKey}</Table.Td>
                        <Table.Td ta="right">{money(c.amount, cur)}</Table.Td>
                        <Table.Td>{c.forgiven ? <Text size="xs">forgiven</Text> : <StatusBadge status={c.status as WritebackStatus} />}</Table.Td>
                        <Table.Td ta="right">
                          {!c.forgiven && c.status === 'confirmed' ? (
                            <Button size="compact-xs" variant="light" loading={forgive.isPending && forgive.variables === c.writebackId} onClick={() => forgive.mutate(c.writebackId, { onSuccess: (r) => {
                                  notify({ title: 'Fee forgiven', message: `A fee reversal credit of ${money(r.amount, cur)} is on its way to the ledger.` });
                                  void preview.refetch();
                                }, onError: (e) => notifyError(e, 'Could not forgive the fee') })}>
                              Forgive
                            </Button>
                          ) : null}
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </>
            ) : null}
          </>
        ) : null}
        {apply.error ? <Alert color="red">{apply.error.message}</Alert> : null}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Close
          </Button>
          <Button
            disabled={!p || Boolean(p.blocked) || p.fees.length === 0}
            loading={apply.isPending}
            onClick={() =>
              apply.mutate(
                { organisationId: target.organisationId, invoiceId: inv.id },
                {
                  onSuccess: (r) => {
                    const waiting = r.requested.some((f) => f.status === 'awaiting_approval');
                    notify({ title: waiting ? 'Late fee waiting for approval' : 'Late fee applied', message: `${r.requested.map((f) => money(f.amount, cur)).join(' + ')} on ${inv.number}${waiting ? ': an admin approves it under Approvals.' : ', on its way to the ledger.'}`, color: waiting ? 'yellow' : 'green' });
                    onClose();
                  },
                },
              )
            }
          >
            Apply fee
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
