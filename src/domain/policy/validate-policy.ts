/**
 * Validates a parsed policy file: first its structure, item by item so that one bad item hides nothing
 * else, then its meaning (check-meaning.ts). Every problem is reported in one run.
 */
import { checkMeaning } from './check-meaning.js';
import {
  defaultsSchema,
  type PolicyFile,
  policyHeaderSchema,
  SECTION_SCHEMAS,
  type SectionName,
} from './policy-file.js';
import { type PolicyProblem, ProblemList } from './problems.js';
import { problemsFromZod } from './zod-problems.js';

export interface PolicyValidation {
  /** The policy when it has no errors (warnings allowed), else null. */
  policy: PolicyFile | null;
  problems: PolicyProblem[];
}

const SECTIONS = Object.keys(SECTION_SCHEMAS) as SectionName[];
const TOP_LEVEL_FIELDS = new Set<string>(['policy', 'defaults', ...SECTIONS]);

/**
 * Checks a policy given as plain data (as parsed from YAML or JSON).
 * @example validatePolicy(YAML.parse(text)).problems // [] when the file is sound
 */
export function validatePolicy(raw: unknown): PolicyValidation {
  const problems = new ProblemList();
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    problems.error(
      [],
      'a policy file must be a mapping with the fields policy, sites, keys, people, rules, ...',
    );
    return { policy: null, problems: problems.items };
  }
  const input = raw as Record<string, unknown>;
  for (const field of Object.keys(input)) {
    if (!TOP_LEVEL_FIELDS.has(field)) problems.error([field], `unknown top-level field "${field}"`);
  }

  const header = policyHeaderSchema.safeParse(input.policy);
  if (!header.success) problems.items.push(...problemsFromZod(header.error, input.policy, ['policy']));
  const defaults = defaultsSchema.safeParse(input.defaults ?? {});
  if (!defaults.success)
    problems.items.push(...problemsFromZod(defaults.error, input.defaults, ['defaults']));

  const sections = {} as Record<SectionName, unknown[]>;
  /** Where each valid item stood in the file, so later problems name the right index. */
  const positions = {} as Record<SectionName, number[]>;
  /** Ids of every item that names one, valid or not, so a broken item does not cause "unknown id" noise. */
  const declaredIds = {} as Record<SectionName, Set<string>>;
  for (const section of SECTIONS) {
    const { valid, ids, indexes } = validateSection(section, input[section], problems);
    sections[section] = valid;
    positions[section] = indexes;
    declaredIds[section] = ids;
  }

  const policy = {
    policy: header.success ? header.data : { name: '', owner: '' },
    defaults: defaults.success ? defaults.data : {},
    ...sections,
  } as PolicyFile;
  checkMeaning(policy, { declaredIds, positions, headerValid: header.success }, problems);
  return { policy: problems.hasErrors ? null : policy, problems: problems.items };
}

function validateSection(
  section: SectionName,
  value: unknown,
  problems: ProblemList,
): { valid: unknown[]; ids: Set<string>; indexes: number[] } {
  const ids = new Set<string>();
  const indexes: number[] = [];
  if (value === undefined || value === null) return { valid: [], ids, indexes };
  if (!Array.isArray(value)) {
    problems.error([section], `must be a list of ${section}`);
    return { valid: [], ids, indexes };
  }
  const schema = SECTION_SCHEMAS[section];
  const valid: unknown[] = [];
  value.forEach((item, index) => {
    const id = item && typeof item === 'object' ? (item as { id?: unknown }).id : undefined;
    if (typeof id === 'string') {
      if (ids.has(id)) problems.error([section, index, 'id'], `duplicate id "${id}"`);
      ids.add(id);
    }
    const parsed = schema.safeParse(item);
    if (parsed.success) {
      valid.push(parsed.data);
      indexes.push(index);
    } else problems.items.push(...problemsFromZod(parsed.error, item, [section, index]));
  });
  return { valid, ids, indexes };
}
