/**
 * What a debtor's text means (pure). The industry opt-out keywords — STOP, STOPALL, UNSUBSCRIBE,
 * CANCEL, END, QUIT — opt the number out; START and UNSTOP opt it back in. The whole message,
 * trimmed, in any case, is the keyword ("stop" and " Stop " are; "please stop calling" is a
 * reply). Twilio's own rule is the same (its Advanced Opt-Out marks `OptOutType`), so Arcus and
 * the carrier agree on who may be texted.
 */
export type SmsKeyword = 'stop' | 'start';

const STOP = new Set(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT']);
const START = new Set(['START', 'UNSTOP']);

export function keywordOf(body: string): SmsKeyword | null {
  const word = body
    .trim()
    .replace(/[.!]+$/, '')
    .toUpperCase();
  if (STOP.has(word)) return 'stop';
  if (START.has(word)) return 'start';
  return null;
}
