/**
 * The site's local time, from the server's clock (what the policy decides with) moved on by this device's
 * clock since it was read: a kiosk with a wrong clock still shows the site's time.
 */
import { useEffect, useState } from 'react';

export function SiteClock(props: { localTime: string; timezone: string; readAt: number }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, []);
  const instant = new Date(Date.parse(props.localTime) + (now - props.readAt));
  const time = new Intl.DateTimeFormat('en-GB', {
    timeZone: props.timezone,
    hour: '2-digit',
    minute: '2-digit',
  }).format(instant);
  const day = new Intl.DateTimeFormat('en-US', {
    timeZone: props.timezone,
    weekday: 'long',
    month: 'long',
    day: 'numeric',
  }).format(instant);
  return (
    <div className="site-clock">
      <time className="clock-time" dateTime={instant.toISOString()}>
        {time}
      </time>
      <span className="clock-day">{day}</span>
    </div>
  );
}
