import { DateTime } from 'luxon';
import { ZoneClock } from '../src/domain/calendar/zone-clock.js';
const zones = ['America/Chicago','Australia/Sydney','Europe/Berlin','Asia/Kolkata','Australia/Adelaide','Asia/Kathmandu','Australia/Lord_Howe','America/St_Johns','Pacific/Chatham','UTC','America/Sao_Paulo','Africa/Casablanca','Pacific/Apia','Pacific/Kiritimati'];
let bad = 0;
for (const z of zones) {
  const c = new ZoneClock(z);
  for (let i = 0; i < 200000; i++) {
    const ms = Date.UTC(1971,0,1) + Math.floor(Math.random() * (Date.UTC(2100,0,1)-Date.UTC(1971,0,1)));
    const l = c.localTimeAt(ms);
    const d = DateTime.fromMillis(ms, { zone: z });
    const day = Math.floor(Date.UTC(d.year, d.month-1, d.day)/86400000);
    if (l.dayNumber !== day || l.minuteOfDay !== d.hour*60+d.minute || l.weekday !== d.weekday-1 || l.offsetMinutes !== d.offset) {
      if (bad++ < 10) console.log(z, new Date(ms).toISOString(), l, d.toISO());
    }
  }
}
console.log('bad', bad);
