/**
 * Where the actions live: a per-invoice "Actions" menu (note, call, pay link, promise, dispute,
 * credit, late fee, activity) and a customer's action bar (pay link for the statement, promise,
 * dispute, payment plan, note, call). Each opens its dialog; outcomes are notified and the timelines refresh.
 */
import { ActionIcon, Button, Drawer, Group, Menu, Stack } from '@mantine/core';
import { useState } from 'react';
import { useSession } from '../../session';
import { ActivityTimeline } from '../ActivityTimeline';
import { FollowUpList, LogButtons } from '../CollectorLogCard';
import type { ActionTarget } from '../api';
import { CallModal } from './CallModal';
import { CreditModal } from './CreditModal';
import { DisputeModal } from './DisputeModal';
import { LateFeeModal } from './LateFeeModal';
import { NoteModal } from './NoteModal';
import { PayLinkModal } from './PayLinkModal';
import { type PlanInvoice, PlanModal } from './PlanModal';
import { PromiseModal } from './PromiseModal';

type Open = null | 'link' | 'promise' | 'dispute' | 'resolve' | 'credit' | 'fee' | 'plan' | 'activity' | 'note' | 'call';

export function useCanAct(): { canAct: boolean; admin: boolean } {
  const role = useSession().data?.user?.role;
  return { canAct: role === 'admin' || role === 'collector', admin: role === 'admin' };
}

function Dialogs({ target, open, close, planInvoices }: { target: ActionTarget; open: Open; close: () => void; planInvoices?: PlanInvoice[] }) {
  return (
    <>
      {open === 'note' ? <NoteModal target={target} opened onClose={close} /> : null}
      {open === 'call' ? <CallModal target={target} opened onClose={close} /> : null}
      {open === 'link' ? <PayLinkModal target={target} opened onClose={close} /> : null}
      {open === 'promise' ? <PromiseModal target={target} opened onClose={close} /> : null}
      {open === 'dispute' || open === 'resolve' ? <DisputeModal target={target} mode={open} opened onClose={close} /> : null}
      {open === 'credit' && target.invoice ? <CreditModal target={target} opened onClose={close} /> : null}
      {open === 'fee' && target.invoice ? <LateFeeModal target={target} opened onClose={close} /> : null}
      {open === 'plan' ? <PlanModal organisationId={target.organisationId} contactExternalId={target.contactExternalId} customerName={target.customerName} invoices={planInvoices ?? []} opened onClose={close} /> : null}
      {open === 'activity' ? (
        <Drawer opened onClose={close} position="right" size="md" title={target.invoice ? `Activity on ${target.invoice.number}` : `Activity with ${target.customerName}`}>
          <Stack gap="md">
            <LogButtons target={target} />
            <FollowUpList target={target} />
            <ActivityTimeline organisationId={target.organisationId} contactExternalId={target.invoice ? undefined : target.contactExternalId} invoiceId={target.invoice?.id} />
          </Stack>
        </Drawer>
      ) : null}
    </>
  );
}

/** The "Actions" menu of one invoice. */
export function InvoiceActionsMenu({ target, icon = false }: { target: ActionTarget & { invoice: NonNullable<ActionTarget['invoice']> }; icon?: boolean }) {
  const [open, setOpen] = useState<Open>(null);
  const { canAct } = useCanAct();
  return (
    <>
      <Menu position="bottom-end" withinPortal shadow="md" width={220}>
        <Menu.Target>
          {icon ? (
            <ActionIcon variant="light" size="sm" aria-label={`Actions for ${target.invoice.number}`} title="Actions">
              ⋯
            </ActionIcon>
          ) : (
            <Button size="compact-xs" variant="light" aria-label={`Actions for ${target.invoice.number}`}>
              Actions
            </Button>
          )}
        </Menu.Target>
        <Menu.Dropdown>
          {canAct ? (
            <>
              <Menu.Label>{target.invoice.number}</Menu.Label>
              <Menu.Item onClick={() => setOpen('note')}>Add note…</Menu.Item>
              <Menu.Item onClick={() => setOpen('call')}>Log call…</Menu.Item>
              <Menu.Divider />
              <Menu.Item onClick={() => setOpen('link')}>Copy pay link</Menu.Item>
              <Menu.Item onClick={() => setOpen('promise')}>Record promise…</Menu.Item>
              <Menu.Item onClick={() => setOpen('dispute')}>Mark disputed…</Menu.Item>
              <Menu.Item onClick={() => setOpen('resolve')}>Resolve dispute…</Menu.Item>
              <Menu.Divider />
              <Menu.Item onClick={() => setOpen('credit')}>Issue credit…</Menu.Item>
              <Menu.Item onClick={() => setOpen('fee')}>Late fee…</Menu.Item>
              <Menu.Divider />
            </>
          ) : null}
          <Menu.Item onClick={() => setOpen('activity')}>Show activity</Menu.Item>
        </Menu.Dropdown>
      </Menu>
      <Dialogs target={target} open={open} close={() => setOpen(null)} />
    </>
  );
}

/** A customer's action bar (the customer page, the worklist). */
export function CustomerActions({ target, openInvoices, compact = false }: { target: ActionTarget; openInvoices: PlanInvoice[]; compact?: boolean }) {
  const [open, setOpen] = useState<Open>(null);
  const { canAct } = useCanAct();
  if (!canAct) return null;
  const size = compact ? 'compact-xs' : 'xs';
  return (
    <>
      <Group gap={6} wrap="wrap">
        <Button size={size} variant="default" onClick={() => setOpen('link')}>
          Pay link
        </Button>
        <Button size={size} variant="default" onClick={() => setOpen('promise')}>
          Record promise
        </Button>
        <Button size={size} variant="default" onClick={() => setOpen('plan')}>
          Payment plan
        </Button>
        <Menu position="bottom-end" withinPortal shadow="md">
          <Menu.Target>
            <Button size={size} variant="default" aria-label={`More actions for ${target.customerName}`}>
              More
            </Button>
          </Menu.Target>
          <Menu.Dropdown>
            <Menu.Item onClick={() => setOpen('note')}>Add note…</Menu.Item>
            <Menu.Item onClick={() => setOpen('call')}>Log call…</Menu.Item>
            <Menu.Divider />
            <Menu.Item onClick={() => setOpen('dispute')}>Mark disputed…</Menu.Item>
            <Menu.Item onClick={() => setOpen('resolve')}>Resolve dispute…</Menu.Item>
            {compact ? <Menu.Item onClick={() => setOpen('activity')}>Show activity</Menu.Item> : null}
          </Menu.Dropdown>
        </Menu>
      </Group>
      <Dialogs target={target} open={open} close={() => setOpen(null)} planInvoices={openInvoices} />
    </>
  );
}
