/**
 * Risk and segment badges with their reasons (in a tooltip), for the worklist and — imported
 * with one line — the customer and invoice lists and the customer page.
 */
import { Badge, Group, List, Stack, Text, Tooltip } from '@mantine/core';
import type { CustomerScore, InvoiceScore, Reason, Segment } from './api';
import { percent, shortDate } from './format';

export const SEGMENT_LABEL: Record<Segment, string> = {
  reliable: 'Reliable',
  slow: 'Slow',
  chronic_late: 'Chronic late',
  deteriorating: 'Deteriorating',
  bad_debt_risk: 'Bad-debt risk',
  new: 'New',
};

const SEGMENT_COLOR: Record<Segment, string> = {
  reliable: 'teal',
  slow: 'yellow',
  chronic_late: 'red',
  deteriorating: 'orange',
  bad_debt_risk: 'grape',
  new: 'blue',
};

const SEGMENT_MEANING: Record<Segment, string> = {
  reliable: 'Pays on time.',
  slow: 'At least 30% of invoices paid late, or 5+ days late on average.',
  chronic_late: 'Late on at least 60% of the last 10 paid invoices, by a median of 10 days or more.',
  deteriorating: 'Paying later each quarter, recent invoices later than usual.',
  bad_debt_risk: 'An invoice 90+ days past due, or 60+ days late on average.',
  new: 'Fewer than 3 paid invoices: firm-wide history fills in.',
};

export function riskColor(score0to100: number): string {
  return score0to100 >= 70 ? 'red' : score0to100 >= 40 ? 'orange' : score0to100 >= 20 ? 'yellow' : 'teal';
}

export function ReasonList({ reasons, empty = 'No particular reason: typical for this organisation.' }: { reasons: readonly Reason[]; empty?: string }) {
  if (reasons.length === 0) return <Text size="xs">{empty}</Text>;
  return (
    <List size="xs" spacing={2}>
      {reasons.map((r) => (
        <List.Item key={r.code + r.text}>{r.text}</List.Item>
      ))}
    </List>
  );
}

export function ScoreChange({ change }: { change: number | null | undefined }) {
  if (change === null || change === undefined) return null;
  if (change === 0) {
    return (
      <Text size="xs" c="dimmed" span>
        no change since last month
      </Text>
    );
  }
  return (
    <Text size="xs" c={change > 0 ? 'red.7' : 'teal.7'} span title="Risk score change since last month">
      {change > 0 ? '▲' : '▼'} {Math.abs(change)} since last month
    </Text>
  );
}

/** "Risk 72" with the customer's reasons on hover. */
export function RiskBadge({ score, reasons, change }: { score: number; reasons: readonly Reason[]; change?: number | null }) {
  return (
    <Tooltip
      multiline
      w={300}
      withArrow
      label={
        <Stack gap={4}>
          <Text size="xs" fw={600}>
            Risk score {score} / 100
          </Text>
          <ReasonList reasons={reasons} />
          {change !== undefined && change !== null ? <Text size="xs">{change === 0 ? 'Unchanged since last month.' : `${change > 0 ? 'Up' : 'Down'} ${Math.abs(change)} since last month.`}</Text> : null}
        </Stack>
      }
    >
      <Badge color={riskColor(score)} variant="light" style={{ cursor: 'help' }} aria-label={`Risk ${score}`}>
        Risk {score}
      </Badge>
    </Tooltip>
  );
}

export function SegmentBadge({ segment }: { segment: Segment }) {
  return (
    <Tooltip label={SEGMENT_MEANING[segment]} withArrow multiline w={260}>
      <Badge color={SEGMENT_COLOR[segment]} variant="outline" style={{ cursor: 'help' }}>
        {SEGMENT_LABEL[segment]}
      </Badge>
    </Tooltip>
  );
}

/** Everything about a customer's score in one line: risk, segment, change. */
export function CustomerRiskBadges({ score }: { score: Pick<CustomerScore, 'score' | 'segment' | 'reasons' | 'change'> | null | undefined }) {
  if (!score) return null;
  return (
    <Group gap={6} wrap="wrap" style={{ flexShrink: 0, maxWidth: '100%' }}>
      <RiskBadge score={score.score} reasons={score.reasons} change={score.change} />
      <SegmentBadge segment={score.segment} />
      <ScoreChange change={score.change} />
    </Group>
  );
}

/** P(paid late) of an invoice, with its reasons and predicted pay date on hover. */
export function InvoiceRiskBadge({ score }: { score: Pick<InvoiceScore, 'pLate' | 'reasons' | 'predictedDate' | 'lowDate' | 'highDate'> | null | undefined }) {
  if (!score) return null;
  const s = Math.round(score.pLate * 100);
  return (
    <Tooltip
      multiline
      w={300}
      withArrow
      label={
        <Stack gap={4}>
          <Text size="xs" fw={600}>
            {percent(score.pLate)} likely to be paid late
          </Text>
          <ReasonList reasons={score.reasons} />
          <Text size="xs">
            Expected {shortDate(score.predictedDate)} (likely {shortDate(score.lowDate)} – {shortDate(score.highDate)})
          </Text>
        </Stack>
      }
    >
      <Badge color={riskColor(s)} variant="light" style={{ cursor: 'help', flexShrink: 0, overflow: 'visible' }} miw="max-content">
        {percent(score.pLate)} late
      </Badge>
    </Tooltip>
  );
}
