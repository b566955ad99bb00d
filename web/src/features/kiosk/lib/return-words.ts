/** What the kiosk says when a key comes back, or when a checkout is undone because its slot stayed shut. */
import type { CabinetHappening } from '../api/watch-cabinet-returns';

/** "2 h 05 min", "25 min", "1 min". */
export function durationInWords(minutes: number): string {
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (hours === 0) return `${Math.max(1, rest)} min`;
  return `${hours} h ${String(rest).padStart(2, '0')} min`;
}

export function happeningInWords(happening: CabinetHappening): string {
  const label = happening.key.label;
  if (happening.kind === 'undone') {
    return `Slot ${happening.slot} was not opened in time: ${label} stays in the cabinet.`;
  }
  const where = happening.wrongSlot
    ? `${label} was put into slot ${happening.slot} instead of slot ${happening.homeSlot}.`
    : `${label} is back in slot ${happening.slot}.`;
  const late =
    happening.late && happening.lateByMinutes !== null
      ? ` It was returned ${durationInWords(happening.lateByMinutes)} late.`
      : happening.late
        ? ' It was returned late.'
        : '';
  return `${where}${late} Thank you.`;
}
