/** Reads a policy file from disk and validates it: the I/O edge around parsePolicyText. */
import { readFileSync } from 'node:fs';
import { type CompiledPolicy, compilePolicy } from '../domain/policy/compile-policy.js';
import { parsePolicyText } from '../domain/policy/parse-policy.js';
import type { PolicyFile } from '../domain/policy/policy-file.js';
import { formatProblem, type PolicyProblem } from '../domain/policy/problems.js';

/** A policy file that cannot be used, with every problem found in it. */
export class PolicyFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: PolicyProblem[],
  ) {
    super(
      `${file} is not a usable policy:\n${problems.map((problem) => formatProblem(problem, file)).join('\n')}`,
    );
    this.name = 'PolicyFileError';
  }
}

export interface LoadedPolicy {
  file: string;
  policy: PolicyFile;
  /** Warnings only: a loaded policy has no errors. */
  problems: PolicyProblem[];
}

/** Reads and validates a policy file; throws PolicyFileError when it has errors or cannot be read. */
export function loadPolicyFile(file: string): LoadedPolicy {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new PolicyFileError(file, [
      { path: [], message: `cannot read the file: ${reason}`, severity: 'error' },
    ]);
  }
  const result = parsePolicyText(text);
  if (!result.policy) throw new PolicyFileError(file, sortProblems(result.problems));
  return { file, policy: result.policy, problems: sortProblems(result.problems) };
}

/** Reads, validates and compiles a policy file for deciding. */
export function loadCompiledPolicy(file: string): CompiledPolicy {
  return compilePolicy(loadPolicyFile(file).policy);
}

/** Problems in file order, so a person can walk down the file fixing them. */
export function sortProblems(problems: PolicyProblem[]): PolicyProblem[] {
  return [...problems].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}
