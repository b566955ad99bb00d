/**
 * The policy's schedules on the Sites page: each named weekly window set in words, day by day, with the
 * rules that use it. A schedule has no zone of its own: a rule applies it in the local time of the key's site.
 */
import type { Schedule } from '../api/get-sites';

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const SHORT: Record<string, string> = {
  mon: 'Mon',
  tue: 'Tue',
  wed: 'Wed',
  thu: 'Thu',
  fri: 'Fri',
  sat: 'Sat',
  sun: 'Sun',
};

/**
 * One window in words; one that ends before it starts runs past midnight, so the next day is named.
 * @example windowInWords('mon', '18:00-07:00') // { text: 'Mon 18:00 – Tue 07:00', overnight: true }
 */
export function windowInWords(day: string, window: string): { text: string; overnight: boolean } {
  const [start = '', end = ''] = window.split('-');
  const name = SHORT[day] ?? day;
  if (end >= start) return { text: `${name} ${start} – ${end}`, overnight: false };
  const next = DAYS[(DAYS.indexOf(day) + 1) % DAYS.length] ?? day;
  return { text: `${name} ${start} – ${SHORT[next] ?? next} ${end}`, overnight: true };
}

export function SchedulesList({ schedules }: { schedules: Schedule[] }) {
  return (
    <section className="panel schedules" aria-labelledby="schedules-heading">
      <h2 id="schedules-heading">Schedules</h2>
      <p className="muted">
        Times are in each site's local time: a rule that uses a schedule applies it in the zone of the key's
        site. Schedules change only with an approved policy version.
      </p>
      {schedules.length === 0 ? (
        <p className="empty">
          The policy defines no schedule. Rules use always, business hours or after hours; add a schedule to
          the policy (Policy section) for other weekly windows.
        </p>
      ) : (
        schedules.map((schedule) => <ScheduleCard key={schedule.id} schedule={schedule} />)
      )}
    </section>
  );
}

function ScheduleCard({ schedule }: { schedule: Schedule }) {
  // Days outside the usual week (unlikely) still show, after it.
  const days = [...DAYS, ...Object.keys(schedule.windows).filter((day) => !DAYS.includes(day))];
  const windows = days.flatMap((day) =>
    (schedule.windows[day] ?? []).map((window) => windowInWords(day, window)),
  );
  return (
    <article className="schedule" aria-labelledby={`schedule-${schedule.id}`}>
      <h3 id={`schedule-${schedule.id}`}>
        {schedule.name} <span className="muted">({schedule.id})</span>
      </h3>
      {windows.length === 0 ? (
        <p className="empty">No window: this schedule never applies.</p>
      ) : (
        <ul className="schedule-windows">
          {windows.map((window) => (
            <li key={window.text}>
              {window.text}
              {window.overnight ? <span className="muted"> (overnight)</span> : null}
            </li>
          ))}
        </ul>
      )}
      <p>
        {schedule.rules.length === 0 ? (
          <span className="muted">No rule uses this schedule.</span>
        ) : (
          <>
            Used by {schedule.rules.length === 1 ? 'rule' : 'rules'}{' '}
            {schedule.rules.map((rule, index) => (
              <span key={rule}>
                {index > 0 ? ', ' : ''}
                <code>{rule}</code>
              </span>
            ))}
          </>
        )}
      </p>
    </article>
  );
}
