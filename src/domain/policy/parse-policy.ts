/**
 * Reads policy text (YAML, of which JSON is a subset) and validates it, giving each problem the line of
 * the file it points at.
 */
import { isNode, LineCounter, parseDocument } from 'yaml';
import type { PathSegment, PolicyProblem } from './problems.js';
import { type PolicyValidation, validatePolicy } from './validate-policy.js';

/**
 * Parses and validates policy text.
 * @example parsePolicyText(readFileSync('riverside-pd.yaml', 'utf8')).policy?.policy.name
 */
export function parsePolicyText(text: string): PolicyValidation {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  if (document.errors.length > 0) {
    return {
      policy: null,
      problems: document.errors.map((error) => ({
        path: [],
        message: `not valid YAML: ${error.message.split('\n')[0]}`,
        severity: 'error' as const,
        // linePos is only filled in with prettyErrors, so the line comes from the offset.
        line: error.linePos?.[0]?.line ?? lineCounter.linePos(error.pos[0]).line,
      })),
    };
  }
  let raw: unknown;
  try {
    raw = document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // An alias to no anchor, or aliases that expand without bound: the file is not usable YAML.
    const message = error instanceof Error ? error.message : String(error);
    return {
      policy: null,
      problems: [{ path: [], message: `not valid YAML: ${message}`, severity: 'error' }],
    };
  }
  const result = validatePolicy(raw);
  const withLines = result.problems.map((problem) => ({ ...problem, line: lineOf(problem.path) }));
  return { policy: result.policy, problems: withLines };

  /** The line of the deepest node that exists along the path. */
  function lineOf(path: PathSegment[]): number | undefined {
    for (let depth = path.length; depth >= 0; depth--) {
      const node = document.getIn(path.slice(0, depth), true);
      if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
    }
    return undefined;
  }
}

export type { PolicyProblem };
