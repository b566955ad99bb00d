/**
 * Times on the console are shown in the site's zone, with the zone named, never in this browser's zone:
 * "Fri, Nov 27, 14:05 CST". The zone is the site's IANA zone from GET /api/v1/sites.
 */
export function formatInZone(iso: string | null | undefined, timeZone: string | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  // en-US names American zones by their abbreviation (CST); elsewhere it falls back to an offset (GMT+1).
  return new Intl.DateTimeFormat('en-US', {
    timeZone: timeZone ?? 'UTC',
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
  }).format(date);
}
