/** Durations as the policy file writes them: `30m`, `12h`, `2d`, or combined like `1h30m`. */

const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000 } as const;
const DURATION_PATTERN = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$/;

/**
 * Parses a policy duration into milliseconds, or returns null when the text is not one.
 * @example parseDuration('1h30m') // 5_400_000
 */
export function parseDuration(text: string): number | null {
  const match = DURATION_PATTERN.exec(text.trim());
  if (!match || text.trim() === '') return null;
  const [, days, hours, minutes] = match;
  const ms =
    Number(days ?? 0) * UNIT_MS.d + Number(hours ?? 0) * UNIT_MS.h + Number(minutes ?? 0) * UNIT_MS.m;
  return ms > 0 ? ms : null;
}

/**
 * Writes milliseconds back in the policy's own notation, largest units first.
 * @example formatDuration(5_400_000) // '1h30m'
 */
export function formatDuration(ms: number): string {
  const { days, hours, minutes } = splitDuration(ms);
  return `${days ? `${days}d` : ''}${hours ? `${hours}h` : ''}${minutes ? `${minutes}m` : ''}` || '0m';
}

/**
 * Says a duration in words for the written procedure.
 * @example describeDuration(5_400_000) // '1 hour 30 minutes'
 */
export function describeDuration(ms: number): string {
  const parts: string[] = [];
  const { days, hours, minutes } = splitDuration(ms);
  if (days) parts.push(`${days} ${days === 1 ? 'day' : 'days'}`);
  if (hours) parts.push(`${hours} ${hours === 1 ? 'hour' : 'hours'}`);
  if (minutes) parts.push(`${minutes} ${minutes === 1 ? 'minute' : 'minutes'}`);
  return parts.join(' ') || '0 minutes';
}

/** Whole days, hours and minutes, rounding to the minute first so that 59m59s is 1h, never 60m. */
function splitDuration(ms: number): { days: number; hours: number; minutes: number } {
  const total = Math.round(ms / UNIT_MS.m);
  return { days: Math.floor(total / 1440), hours: Math.floor((total % 1440) / 60), minutes: total % 60 };
}
