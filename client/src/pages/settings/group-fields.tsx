/**
 * The fields of one settings group, shared by the firm default's form (Settings › Collections,
 * the sending-hours dialog) and a client's own setting (Settings › Client defaults): the same form
 * whichever is being changed. `error(key)` gives the server's sentence for a field by its key
 * within the group (`amount`, `graceDays`, … — the firm form prefixes them itself).
 */
import { Checkbox, Group, NumberInput, SegmentedControl, Select, SimpleGrid, Stack, Switch, Text, TextInput } from '@mantine/core';
import type { CollectionsPolicy } from '../../writebacks/api';

type ErrorOf = (key: string) => string | undefined;
const int = (v: number | string) => (typeof v === 'number' ? v : Number.parseInt(v, 10) || 0);

export type LateFees = CollectionsPolicy['lateFees'];
export type EarlyDiscount = CollectionsPolicy['earlyDiscount'];

export function LateFeeFields({ value: lf, onChange, error: e, disabled = false, withSwitch = false }: { value: LateFees; onChange: (patch: Partial<LateFees>) => void; error: ErrorOf; disabled?: boolean; withSwitch?: boolean }) {
  return (
    <>
      {withSwitch && <Switch label="Charge automatically" checked={lf.enabled} onChange={(ev) => onChange({ enabled: ev.currentTarget.checked })} disabled={disabled} />}
      <SimpleGrid cols={{ base: 1, sm: 3 }}>
        <Select
          label="Kind"
          data={[
            { value: 'flat', label: 'Flat fee' },
            { value: 'percentage', label: 'Percentage of the overdue amount' },
            { value: 'annual_rate', label: 'Interest, annual rate accrued daily' },
            { value: 'uk_statutory', label: 'UK statutory interest (base rate + 8% and £40 / £70 / £100)' },
            { value: 'eu_directive', label: 'EU directive (reference rate + 8 points and €40)' },
          ]}
          value={lf.kind}
          onChange={(v) => v && onChange({ kind: v as LateFees['kind'] })}
          allowDeselect={false}
          disabled={disabled}
          error={e('kind')}
          comboboxProps={{ withinPortal: true }}
        />
        {lf.kind === 'flat' ? <TextInput label="Fee" value={lf.amount} onChange={(ev) => onChange({ amount: ev.currentTarget.value })} error={e('amount')} disabled={disabled} inputMode="decimal" /> : null}
        {lf.kind === 'percentage' ? <TextInput label="Percent" rightSection="%" value={lf.percent} onChange={(ev) => onChange({ percent: ev.currentTarget.value })} error={e('percent')} disabled={disabled} inputMode="decimal" /> : null}
        {lf.kind === 'annual_rate' ? <TextInput label="Annual rate" rightSection="%" value={lf.annualRatePct} onChange={(ev) => onChange({ annualRatePct: ev.currentTarget.value })} error={e('annualRatePct')} disabled={disabled} inputMode="decimal" /> : null}
        <NumberInput label="Grace period" description="Days after the due date" min={0} max={365} value={lf.graceDays} onChange={(v) => onChange({ graceDays: int(v) })} error={e('graceDays')} disabled={disabled} allowDecimal={false} />
        <TextInput label="Minimum fee" value={lf.minimum} onChange={(ev) => onChange({ minimum: ev.currentTarget.value })} error={e('minimum')} disabled={disabled} inputMode="decimal" />
        <TextInput label="Cap per invoice" placeholder="No cap" value={lf.cap ?? ''} onChange={(ev) => onChange({ cap: ev.currentTarget.value })} error={e('cap')} disabled={disabled} inputMode="decimal" />
        <TextInput label="Only when at least this is due" value={lf.minimumInvoiceDue} onChange={(ev) => onChange({ minimumInvoiceDue: ev.currentTarget.value })} error={e('minimumInvoiceDue')} disabled={disabled} inputMode="decimal" />
        <Select
          label="Charged"
          data={[
            { value: 'once', label: 'Once per invoice' },
            { value: 'monthly', label: 'Every month it stays overdue' },
          ]}
          value={lf.period}
          onChange={(v) => v && onChange({ period: v as 'once' | 'monthly' })}
          allowDeselect={false}
          disabled={disabled}
          error={e('period')}
          comboboxProps={{ withinPortal: true }}
        />
        <Select
          label="Posted as"
          data={[
            { value: 'invoice', label: 'A new invoice to the customer' },
            { value: 'line', label: 'A line on the overdue invoice' },
          ]}
          value={lf.post}
          onChange={(v) => v && onChange({ post: v as 'invoice' | 'line' })}
          allowDeselect={false}
          disabled={disabled}
          error={e('post')}
          comboboxProps={{ withinPortal: true }}
        />
        <TextInput label="Ledger account code" placeholder="The ledger’s default" value={lf.accountCode ?? ''} onChange={(ev) => onChange({ accountCode: ev.currentTarget.value })} error={e('accountCode')} disabled={disabled} />
      </SimpleGrid>
    </>
  );
}

/** Late fees as the API takes them: an empty cap or account code is none. */
export function lateFeesForSave(lf: LateFees): LateFees {
  return { ...lf, cap: lf.cap?.trim() ? lf.cap.trim() : null, accountCode: lf.accountCode?.trim() ? lf.accountCode.trim() : null };
}

export function DiscountFields({ value: ed, onChange, error: e, disabled = false, withSwitch = false }: { value: EarlyDiscount; onChange: (patch: Partial<EarlyDiscount>) => void; error: ErrorOf; disabled?: boolean; withSwitch?: boolean }) {
  return (
    <>
      {withSwitch && <Switch label="Offer in reminders" checked={ed.enabled} onChange={(ev) => onChange({ enabled: ev.currentTarget.checked })} disabled={disabled} />}
      <SimpleGrid cols={{ base: 1, sm: 3 }}>
        <TextInput label="Discount" rightSection="%" value={ed.ratePct} onChange={(ev) => onChange({ ratePct: ev.currentTarget.value })} error={e('ratePct')} disabled={disabled} inputMode="decimal" />
        <NumberInput label="Paid within" description="Days from the issue date" min={0} max={365} value={ed.withinDays} onChange={(v) => onChange({ withinDays: int(v) })} error={e('withinDays')} disabled={disabled} allowDecimal={false} />
        <TextInput label="On invoices of at least" value={ed.minimumAmount} onChange={(ev) => onChange({ minimumAmount: ev.currentTarget.value })} error={e('minimumAmount')} disabled={disabled} inputMode="decimal" />
      </SimpleGrid>
    </>
  );
}

export function ThresholdField({ value, onChange, error, disabled = false }: { value: string; onChange: (v: string) => void; error: string | undefined; disabled?: boolean }) {
  return (
    <TextInput
      label="Approval threshold"
      description="Credits, fees and plan invoices above this amount wait under Approvals. In the firm’s reporting currency: other currencies are converted at the firm’s exchange rates, and wait when no rate is set. Leave empty for none."
      placeholder="No approvals needed"
      value={value}
      onChange={(ev) => onChange(ev.currentTarget.value)}
      error={error}
      disabled={disabled}
      maw={320}
      inputMode="decimal"
    />
  );
}

export const DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

export interface SendingWindow {
  startMinute: number;
  endMinute: number;
  businessDays: number[];
}

/** The form's sending hours: times as typed ("09:00"), days as checkbox values. */
export interface HoursDraft {
  start: string;
  end: string;
  days: string[];
}

const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
/** A time as typed, in minutes; -1 when it is not a time (the server then says so on the field). */
const minutesOf = (t: string) => {
  const m = /^(\d{1,2}):(\d{2})$/.exec(t.trim());
  return m ? Number(m[1]) * 60 + Number(m[2]) : -1;
};

export const hoursDraft = (w: SendingWindow): HoursDraft => ({ start: hhmm(w.startMinute), end: hhmm(w.endMinute), days: w.businessDays.map(String) });
export const hoursForSave = (d: HoursDraft): SendingWindow => ({ startMinute: minutesOf(d.start), endMinute: minutesOf(d.end), businessDays: d.days.map(Number) });

export function SendingHoursFields({ value, onChange, error: e }: { value: HoursDraft; onChange: (patch: Partial<HoursDraft>) => void; error: ErrorOf }) {
  return (
    <>
      <Group grow>
        <TextInput label="From" placeholder="09:00" value={value.start} onChange={(ev) => onChange({ start: ev.currentTarget.value })} error={e('startMinute')} />
        <TextInput label="Until" placeholder="17:00" value={value.end} onChange={(ev) => onChange({ end: ev.currentTarget.value })} error={e('endMinute')} />
      </Group>
      <Checkbox.Group label="Days" value={value.days} onChange={(days) => onChange({ days })} error={e('businessDays')}>
        <Group gap="xs" mt={4}>
          {DAYS.map((d, i) => (
            <Checkbox key={d} value={String(i + 1)} label={d} />
          ))}
        </Group>
      </Checkbox.Group>
    </>
  );
}

/** A client's own returned-payment fee (decision 056): no fee, or an amount plus a share of the payment, at most a cap. */
export interface ReturnedFeeDraft {
  enabled: boolean;
  amount: string;
  percent: string;
  cap: string;
}

export const returnedFeeDraft = (v: { enabled: boolean; amount: string; percent: string; cap: string | null }): ReturnedFeeDraft => ({ enabled: v.enabled, amount: v.amount, percent: v.percent, cap: v.cap ?? '' });
/** "No fee" saves just that (whatever was typed in the hidden fields is not sent). */
export const returnedFeeForSave = (d: ReturnedFeeDraft) => (d.enabled ? { enabled: true, amount: d.amount.trim() || '0', percent: d.percent.trim() || '0', cap: d.cap.trim() ? d.cap.trim() : null } : { enabled: false });

export function ReturnedFeeFields({ value: d, onChange, error: e }: { value: ReturnedFeeDraft; onChange: (patch: Partial<ReturnedFeeDraft>) => void; error: ErrorOf }) {
  return (
    <Stack gap="sm">
      <SegmentedControl
        value={d.enabled ? 'fee' : 'none'}
        onChange={(v) => onChange({ enabled: v === 'fee' })}
        data={[
          { value: 'fee', label: 'Charge a fee' },
          { value: 'none', label: 'No fee' },
        ]}
        aria-label="Returned-payment fee"
        maw={320}
      />
      {d.enabled ? (
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <TextInput label="Fee amount" description="Per returned payment." value={d.amount} onChange={(ev) => onChange({ amount: ev.currentTarget.value })} error={e('amount')} inputMode="decimal" />
          <TextInput label="Plus a percentage" description="Of the returned payment." value={d.percent} onChange={(ev) => onChange({ percent: ev.currentTarget.value })} error={e('percent')} inputMode="decimal" rightSection="%" />
          <TextInput label="At most" description="Leave empty for no cap." value={d.cap} onChange={(ev) => onChange({ cap: ev.currentTarget.value })} error={e('cap')} inputMode="decimal" placeholder="No cap" />
        </SimpleGrid>
      ) : (
        <Text size="sm">Nothing is charged when one of this client’s customers’ payments comes back.</Text>
      )}
      {d.enabled && (
        <Text size="sm" c="dimmed">
          Where the fee may be charged, how it is posted and its account stay the firm’s (Settings › Collections › Returned payments).
        </Text>
      )}
    </Stack>
  );
}
