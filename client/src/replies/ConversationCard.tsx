/**
 * A customer's conversation: our reminders and answers, their replies (auto-replies and delivery
 * failures marked as such), oldest first. A reply waiting for a collector shows its suggestion and
 * why, with Confirm / Dismiss; any person's reply can be answered from Arcus (from the reminders'
 * sender, threaded).
 */
import { Alert, Badge, Button, Group, Paper, Stack, Text, Textarea } from '@mantine/core';
import { useState } from 'react';
import { useSession } from '../session';
import { notify, notifyError } from '../writebacks/notify';
import { type ConversationItem, useAnswer, useConversation } from './api';
import { SuggestionActions } from './SuggestionActions';

const when = (iso: string) => new Date(iso).toLocaleString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit' });

function AnswerForm({ item, onDone }: { item: ConversationItem; onDone: () => void }) {
  const [text, setText] = useState('');
  const answer = useAnswer();
  return (
    <Stack gap={6} mt="xs">
      <Textarea label="Your answer" description="Sent from the same address as the reminders, in the same thread." value={text} onChange={(e) => setText(e.currentTarget.value)} autosize minRows={3} autoFocus />
      {answer.error ? <Alert color="red">{answer.error.message}</Alert> : null}
      <Group gap={6}>
        <Button
          size="compact-sm"
          disabled={!text.trim()}
          loading={answer.isPending}
          onClick={() =>
            answer.mutate(
              { id: item.id, text },
              {
                onSuccess: () => {
                  notify({ title: 'Answer sent', message: `Re: ${item.subject}` });
                  onDone();
                },
              },
            )
          }
        >
          Send answer
        </Button>
        <Button size="compact-sm" variant="subtle" color="gray" onClick={onDone}>
          Cancel
        </Button>
      </Group>
    </Stack>
  );
}

function Message({ item, canAct }: { item: ConversationItem; canAct: boolean }) {
  const [answering, setAnswering] = useState(false);
  const ours = item.side === 'ours';
  const person = item.kindName === 'Reply';
  return (
    <Paper withBorder radius="md" p="sm" bg={ours ? 'gray.0' : undefined} ml={ours ? 'lg' : 0} mr={ours ? 0 : 'lg'} data-testid="conversation-message">
      <Group justify="space-between" gap="xs" wrap="wrap">
        <Group gap="xs">
          <Badge variant="light" color={ours ? 'gray' : item.kindName === 'Delivery failure' ? 'red' : item.kindName === 'Automatic reply' ? 'yellow' : 'blue'}>
            {item.kindName}
          </Badge>
          <Text fz="sm" fw={500} style={{ wordBreak: 'break-word' }}>
            {item.from}
          </Text>
        </Group>
        <Text fz="xs" c="dimmed">
          {when(item.at)}
        </Text>
      </Group>
      <Text fz="sm" fw={600} mt={4} style={{ wordBreak: 'break-word' }}>
        {item.subject}
      </Text>
      <Text fz="sm" mt={4} style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }} lineClamp={ours ? 4 : 12}>
        {item.text}
      </Text>
      {item.attachments.length > 0 ? (
        <Group gap="xs" mt={4}>
          {item.attachments.map((a) => (
            <a key={a.id} href={`/api/reply-attachments/${a.id}`} style={{ fontSize: 12 }}>
              {a.filename} ({Math.max(1, Math.round(a.size / 1024))} KB)
            </a>
          ))}
        </Group>
      ) : null}
      {item.refusedAttachments.map((r) => (
        <Text key={r} fz="xs" c="dimmed">
          Not kept: {r}
        </Text>
      ))}
      {item.suggestion ? (
        <Paper withBorder radius="sm" p="xs" mt="xs" data-testid="reply-suggestion">
          <Group gap="xs">
            <Text fz="sm" fw={600}>
              {item.suggestion.name}
            </Text>
            {item.statusName ? (
              <Badge size="sm" variant="outline" color={item.waiting ? 'orange' : 'gray'}>
                {item.statusName}
              </Badge>
            ) : null}
          </Group>
          {item.suggestion.why.length ? (
            <Text fz="xs" c="dimmed">
              Because it says: {item.suggestion.why.map((w) => `“${w}”`).join(', ')}
            </Text>
          ) : null}
          {item.suggestion.remittance ? <Text fz="xs">Remittance: {item.suggestion.remittance}</Text> : null}
          {item.waiting && canAct ? <SuggestionActions id={item.id} suggestion={item.suggestion} /> : null}
        </Paper>
      ) : null}
      {person && canAct && !answering ? (
        <Button size="compact-xs" variant="subtle" mt={4} onClick={() => setAnswering(true)}>
          Answer
        </Button>
      ) : null}
      {answering ? <AnswerForm item={item} onDone={() => setAnswering(false)} /> : null}
    </Paper>
  );
}

export function ConversationCard({ organisationId, contactExternalId }: { organisationId: string; contactExternalId: string }) {
  const q = useConversation(organisationId, contactExternalId);
  const canAct = useSession().data?.user?.permissions.includes('collect') ?? false;
  if (q.error) notifyError(q.error);
  return (
    <Paper withBorder p="md" radius="md" data-testid="customer-conversation">
      <Text fw={600} mb="sm">
        Conversation
      </Text>
      {q.data && q.data.items.length === 0 ? (
        <Text fz="sm" c="dimmed">
          No reminders sent and no replies yet.
        </Text>
      ) : null}
      <Stack gap="xs">
        {q.data?.items.map((i) => (
          <Message key={i.id} item={i} canAct={canAct} />
        ))}
      </Stack>
    </Paper>
  );
}
