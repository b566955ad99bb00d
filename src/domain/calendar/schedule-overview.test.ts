import { describe, expect, it } from 'vitest';
import { scheduleOverviews } from './schedule-overview.js';

describe('scheduleOverviews', () => {
  it('keeps week order, drops empty days and names the rules that use each schedule', () => {
    const overviews = scheduleOverviews({
      schedules: [
        { id: 'late', name: 'Late', windows: { sun: ['20:00-23:00'], mon: ['22:00-06:00'], tue: [] } },
        { id: 'unused', name: 'Unused', windows: {} },
      ],
      rules: [
        { id: 'a', who: {}, keys: {}, when: 'late' },
        { id: 'b', who: {}, keys: {}, when: 'always' },
        { id: 'c', who: {}, keys: {}, when: 'late' },
      ],
    });
    expect(overviews).toEqual([
      {
        id: 'late',
        name: 'Late',
        windows: { mon: ['22:00-06:00'], sun: ['20:00-23:00'] },
        rules: ['a', 'c'],
      },
      { id: 'unused', name: 'Unused', windows: {}, rules: [] },
    ]);
    expect(Object.keys(overviews[0]?.windows ?? {})).toEqual(['mon', 'sun']);
  });
});
