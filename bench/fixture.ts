/** The generated policy, validated and compiled once per run, shared by the benchmarks. */
import { type CompiledPolicy, compilePolicy } from '../src/domain/policy/compile-policy.js';
import type { PolicyFile } from '../src/domain/policy/policy-file.js';
import {
  DEFAULT_SIZE,
  generatePolicy,
  type PolicySize,
  QUICK_SIZE,
  validateGenerated,
} from './generate-policy.js';
import { fmt, heading, QUICK, seconds, timed } from './stats.js';

export interface Fixture {
  size: PolicySize;
  /** As generated (what a YAML file would hold). */
  raw: PolicyFile;
  /** As validatePolicy returned it. */
  policy: PolicyFile;
  compiled: CompiledPolicy;
}

export function createFixture(size: PolicySize = QUICK ? QUICK_SIZE : DEFAULT_SIZE): Fixture {
  heading(`Generated policy${QUICK ? ' (BENCH_QUICK=1: a fifth of the full size)' : ''}`);
  const generated = timed(() => generatePolicy(size));
  const validated = timed(() => validateGenerated(generated.result));
  const compiled = timed(() => compilePolicy(validated.result.policy));
  const p = validated.result.policy;
  console.log(
    `${fmt(p.people.length)} people, ${fmt(p.keys.length)} keys, ${fmt(p.rules.length)} rules, ${p.keyGroups.length} key groups, ${p.roles.length} roles, ${p.cabinets.length} cabinets, ${p.schedules.length} schedules, ${p.reasons.length} reasons`,
  );
  console.log(
    `sites: ${p.sites.map((s) => `${s.id} (${s.timezone}${s.holidays?.country ? `, ${s.holidays.country}${s.holidays.region ? `/${s.holidays.region}` : ''}` : ''})`).join(', ')}`,
  );
  const whens = new Map<string, number>();
  for (const rule of p.rules) {
    const kind = ['always', 'business-hours', 'after-hours'].includes(rule.when) ? rule.when : 'schedule';
    whens.set(kind, (whens.get(kind) ?? 0) + 1);
  }
  console.log(`rules by when: ${[...whens].map(([k, n]) => `${k} ${n}`).join(', ')}`);
  console.log(
    `generate ${seconds(generated.ms)}, validatePolicy ${seconds(validated.ms)} (valid, ${validated.result.warnings} warnings), compilePolicy ${seconds(compiled.ms)}`,
  );
  return { size, raw: generated.result, policy: p, compiled: compiled.result };
}
