import { describe, expect, it } from 'vitest';
import { nextReviewAt } from './next-review.js';

describe('nextReviewAt', () => {
  it('adds the review interval to the approval date', () => {
    expect(nextReviewAt(180, '2026-06-01T10:00:00.000Z')).toBe('2026-11-28T10:00:00.000Z');
  });
  it('is null without an interval or an approval', () => {
    expect(nextReviewAt(undefined, '2026-06-01T10:00:00.000Z')).toBeNull();
    expect(nextReviewAt(180, null)).toBeNull();
  });
});
