import { describe, expect, it } from 'vitest';
import {
  MAX_ATTEMPTS,
  nextStep,
  outcomeOfHttpStatus,
  retryDelayMs,
  secretHint,
  shortError,
  subscribesTo,
  urlProblem,
} from './delivery-policy.js';

describe('delivery policy', () => {
  it('doubles the retry delay from 30 seconds, within ±20 % jitter', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => retryDelayMs(n, 0.5) / 1000)).toEqual([
      30, 60, 120, 240, 480, 960, 1920,
    ]);
    expect(retryDelayMs(1, 0)).toBe(24_000);
    expect(retryDelayMs(1, 0.999999)).toBeLessThanOrEqual(36_000);
  });

  it.each([
    [200, 'delivered'],
    [204, 'delivered'],
    [400, 'permanent'],
    [401, 'permanent'],
    [404, 'permanent'],
    [410, 'permanent'],
    [408, 'transient'],
    [429, 'transient'],
    [500, 'transient'],
    [503, 'transient'],
    [302, 'transient'],
  ])('treats HTTP %i as %s', (status, kind) => {
    expect(outcomeOfHttpStatus(status, 'x').kind).toBe(kind);
  });

  it('retries a transient failure until the last attempt, and gives up at once on a permanent one', () => {
    const transient = { kind: 'transient', error: 'timeout' } as const;
    expect(nextStep(transient, 1, 0.5)).toEqual({ status: 'pending', retryInMs: 30_000, error: 'timeout' });
    expect(nextStep(transient, MAX_ATTEMPTS - 1, 0.5).status).toBe('pending');
    expect(nextStep(transient, MAX_ATTEMPTS, 0.5)).toEqual({ status: 'dead', error: 'timeout' });
    expect(nextStep({ kind: 'permanent', error: 'gone' }, 1, 0.5)).toEqual({ status: 'dead', error: 'gone' });
    expect(nextStep({ kind: 'delivered' }, 3, 0.5)).toEqual({ status: 'sent' });
  });

  it('accepts https, and http only to this machine, never credentials in the URL', () => {
    expect(urlProblem('https://hooks.example.org/x')).toBeNull();
    expect(urlProblem('http://127.0.0.1:9000/x')).toBeNull();
    expect(urlProblem('http://localhost/x')).toBeNull();
    expect(urlProblem('http://[::1]:8080/x')).toBeNull();
    expect(urlProblem('http://hooks.example.org/x')).toContain('https');
    expect(urlProblem('ftp://hooks.example.org/x')).toContain('https');
    expect(urlProblem('https://user:pw@hooks.example.org/x')).toContain('credentials');
    expect(urlProblem('not a url')).toBe('is not a URL');
  });

  it('matches event types exactly, an empty filter taking every event', () => {
    expect(subscribesTo([], 'overdue')).toBe(true);
    expect(subscribesTo(['checkout', 'overdue'], 'overdue')).toBe(true);
    expect(subscribesTo(['checkout'], 'checkout-denied')).toBe(false);
  });

  it('shows only the last four characters of a secret and keeps errors short', () => {
    expect(secretHint('whsec_abcdefgh')).toBe('…efgh');
    expect(shortError(`a\n  b ${'x'.repeat(1000)}`).length).toBe(500);
    expect(shortError('a\n  b')).toBe('a b');
  });
});
