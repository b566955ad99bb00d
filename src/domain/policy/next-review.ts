/**
 * When a policy version is next due for review: its approval date plus the policy's `reviewEveryDays`
 * (policy-format.md, the `policy` header). Null when the file sets no interval or the version was never approved.
 * @example nextReviewAt(180, '2026-06-01T10:00:00.000Z') // '2026-11-28T10:00:00.000Z'
 */
export function nextReviewAt(everyDays: number | undefined, approvedAt: string | null): string | null {
  if (everyDays === undefined || approvedAt === null) return null;
  return new Date(Date.parse(approvedAt) + everyDays * 86_400_000).toISOString();
}
