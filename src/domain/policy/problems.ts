/** A problem found in a policy file, located by its path (`rules[1].keys.groups[0]`). */
export type PathSegment = string | number;

export interface PolicyProblem {
  path: PathSegment[];
  message: string;
  /** Errors make a policy unusable; warnings point at something that is probably a mistake. */
  severity: 'error' | 'warning';
  /** 1-based line in the file, when the problem came from a file. */
  line?: number;
}

/**
 * Writes a path the way a person reads it.
 * @example formatPath(['rules', 1, 'keys', 'groups', 0]) // 'rules[1].keys.groups[0]'
 */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out ? `.${segment}` : segment;
  }
  return out || '(file)';
}

/** One line per problem: `FILE:LINE: path: message`. */
export function formatProblem(problem: PolicyProblem, file?: string): string {
  const where = file
    ? `${file}${problem.line ? `:${problem.line}` : ''}: `
    : problem.line
      ? `line ${problem.line}: `
      : '';
  const tag = problem.severity === 'warning' ? 'warning: ' : '';
  return `${where}${tag}${formatPath(problem.path)}: ${problem.message}`;
}

/** Collects problems while a check walks the file. */
export class ProblemList {
  readonly items: PolicyProblem[] = [];

  error(path: PathSegment[], message: string): void {
    this.items.push({ path, message, severity: 'error' });
  }

  warning(path: PathSegment[], message: string): void {
    this.items.push({ path, message, severity: 'warning' });
  }

  get hasErrors(): boolean {
    return this.items.some((problem) => problem.severity === 'error');
  }
}
