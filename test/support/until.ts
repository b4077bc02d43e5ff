/**
 * Poll until a condition holds (a row reaches a state, a worker exits): resolves with the first
 * truthy value, or fails after `ms` with what was awaited (a function is asked only then, so it can
 * describe the state at the deadline). No timed assertions: the deadline is
 * only how long to wait before calling it a failure.
 */
export async function until<T>(fn: () => Promise<T | null | undefined | false>, ms = 60_000, what: string | (() => string | Promise<string>) = 'the condition'): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${typeof what === 'function' ? await what() : what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
