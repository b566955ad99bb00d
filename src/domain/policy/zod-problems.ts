/** Turns Zod's structural issues into the plain messages of a policy check. */
import type { z } from 'zod';
import type { PathSegment, PolicyProblem } from './problems.js';

const ARTICLE_TYPES: Record<string, string> = {
  number: 'a number',
  string: 'text',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping of fields',
};

function describeValue(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'empty';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `"${value}"`;
  return String(value);
}

function messageOf(issue: z.core.$ZodIssue, input: unknown): string {
  switch (issue.code) {
    case 'invalid_type': {
      const value = valueAt(input, issue.path);
      if (value === undefined) return 'is required';
      if (issue.expected === 'int') return `must be a whole number, not ${describeValue(value)}`;
      return `must be ${ARTICLE_TYPES[issue.expected] ?? issue.expected}, not ${describeValue(value)}`;
    }
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((key) => `"${key}"`).join(', ')}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((value) => JSON.stringify(value)).join(', ')}, not ${describeValue(valueAt(input, issue.path))}`;
    case 'too_small':
      if (issue.origin === 'array')
        return `must list at least ${issue.minimum} item${issue.minimum === 1 ? '' : 's'}`;
      if (issue.origin === 'string') return 'must not be empty';
      return `must be at least ${issue.minimum}`;
    case 'too_big':
      return `must be at most ${issue.maximum}`;
    case 'invalid_union':
      return `is not a valid value (${describeValue(valueAt(input, issue.path))})`;
    default:
      return issue.message;
  }
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const segment of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[segment];
  }
  return value;
}

/** Zod issues of `input` located under `prefix`, as policy problems. */
export function problemsFromZod(error: z.ZodError, input: unknown, prefix: PathSegment[]): PolicyProblem[] {
  return error.issues.map((issue) => ({
    path: [...prefix, ...(issue.path.filter((p) => typeof p !== 'symbol') as PathSegment[])],
    message: messageOf(issue, input),
    severity: 'error' as const,
  }));
}
