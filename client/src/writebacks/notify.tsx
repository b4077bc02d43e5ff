/**
 * Outcome notifications for staff actions: a tiny store (no extra package) and the stack that
 * shows them, bottom right, each closing itself after a few seconds. `<Toasts />` is mounted
 * once in the app shell; `notify()` can be called from anywhere.
 */
import { Notification, Portal, Stack } from '@mantine/core';
import { useSyncExternalStore } from 'react';

export interface Toast {
  id: number;
  title: string;
  message?: string;
  color: 'green' | 'red' | 'blue' | 'yellow';
}

let toasts: Toast[] = [];
let nextId = 1;
const listeners = new Set<() => void>();
const emit = () => {
  for (const l of listeners) l();
};

export function dismiss(id: number): void {
  toasts = toasts.filter((t) => t.id !== id);
  emit();
}

export function notify(t: Omit<Toast, 'id' | 'color'> & { color?: Toast['color'] }, ms = 7000): void {
  const toast: Toast = { color: 'green', ...t, id: nextId++ };
  toasts = [...toasts.slice(-3), toast];
  emit();
  setTimeout(() => dismiss(toast.id), ms);
}

export function notifyError(err: unknown, title = 'That did not work'): void {
  notify({ title, message: err instanceof Error ? err.message : String(err), color: 'red' }, 10_000);
}

function subscribe(l: () => void) {
  listeners.add(l);
  return () => listeners.delete(l);
}

export function Toasts() {
  const list = useSyncExternalStore(
    subscribe,
    () => toasts,
    () => toasts,
  );
  if (list.length === 0) return null;
  return (
    <Portal>
      <Stack gap="xs" pos="fixed" bottom={16} right={16} w={380} style={{ zIndex: 400 }} role="status" aria-live="polite">
        {list.map((t) => (
          <Notification key={t.id} title={t.title} color={t.color} withBorder onClose={() => dismiss(t.id)} closeButtonProps={{ 'aria-label': 'Close notification' }} data-testid="toast">
            {t.message}
          </Notification>
        ))}
      </Stack>
    </Portal>
  );
}
