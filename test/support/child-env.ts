/**
 * The part of this process's environment a child process must share to live at the same time:
 * libfaketime's preload and settings (the suite's clock-ahead run, README › Time). Empty otherwise.
 * Tests that spawn `arcus worker` with an environment of their own spread this into it.
 */
export function sameClockEnv(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && (e[0] === 'LD_PRELOAD' || e[0].startsWith('FAKETIME'))));
}
