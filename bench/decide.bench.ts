/**
 * decide() throughput and latency on one thread, warm, with zone and holiday logic; where its time goes;
 * and the same grants side by side in casbin (ABAC matcher) and Cedar (cedar-wasm, pre-parsed policy set),
 * with a check that all three agree on allow / not-allow for every request of the comparable set.
 *
 * Run alone: node --import tsx bench/decide.bench.ts   (BENCH_QUICK=1 for a smoke run)
 */
import { pathToFileURL } from 'node:url';
import { IANAZone } from 'luxon';
import { ZoneClock } from '../src/domain/calendar/zone-clock.js';
import type {
  CompiledKey,
  CompiledPerson,
  CompiledPolicy,
  CompiledRule,
} from '../src/domain/policy/compile-policy.js';
import {
  conditionsAt,
  type Decision,
  type DecisionContext,
  decide,
  matchingRules,
  type RuleEvaluation,
  ruleCovers,
} from '../src/domain/policy/decide.js';
import {
  describeLocalTime,
  explainAllow,
  explainMaxKeysOut,
  explainNeeds,
  explainNoRule,
  explainOutsideHours,
  explainPersonInactive,
  explainReasonNotAllowed,
} from '../src/domain/policy/explain-decision.js';
import { buildGrants, createTimeFacts, type TimeFacts } from './abac-grants.js';
import {
  type CasbinContext,
  type CasbinKey,
  type CasbinPerson,
  casbinRequest,
  createCasbin,
} from './casbin-engine.js';
import { cedarAllows, cedarCall, cedarFloorMicros, createCedar } from './cedar-engine.js';
import { createFixture, type Fixture } from './fixture.js';
import { type BenchRequest, generateRequests } from './generate-policy.js';
import { createReference } from './reference-engine.js';
import {
  cpuNow,
  describeRate,
  fmt,
  heading,
  printTable,
  QUICK,
  quantile,
  type SummaryRow,
  seconds,
  spread,
  timed,
} from './stats.js';

const TARGET_PER_SECOND = 200_000;

interface Prepared {
  request: BenchRequest;
  person: string;
  key: string;
  instantMs: number;
  context: DecisionContext;
}

function prepare(requests: BenchRequest[]): Prepared[] {
  return requests.map((request) => ({
    request,
    person: request.person,
    key: request.key,
    instantMs: request.instantMs,
    context: {
      factors: request.factors,
      reason: request.reason,
      approver: request.approver,
      witness: request.witness,
      keysOut: request.keysOut,
    },
  }));
}

/**
 * One pass of decide() over the requests: wall ms, CPU ms of this process (user + system, so it includes
 * V8's GC helper threads) and a checksum that keeps the work observable.
 */
function decidePass(
  compiled: CompiledPolicy,
  items: Prepared[],
): { ms: number; cpuMs: number; allows: number } {
  let allows = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as Prepared;
    if (decide(compiled, item.person, item.key, item.instantMs, item.context).outcome === 'allow') allows++;
  }
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { ms, cpuMs: (used.user + used.system) / 1000, allows };
}

function outcomeMix(decisions: Decision[]): string {
  const counts = new Map<string, number>();
  for (const d of decisions) {
    const label = d.outcome === 'deny' ? `deny:${d.code}` : d.outcome;
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([label, n]) => `${label} ${((100 * n) / decisions.length).toFixed(1)}%`)
    .join(', ');
}

function perCallLatency(compiled: CompiledPolicy, items: Prepared[]): { ns: Float64Array; timerNs: number } {
  const overhead: number[] = [];
  for (let i = 0; i < 10_000; i++) {
    const a = process.hrtime.bigint();
    const b = process.hrtime.bigint();
    overhead.push(Number(b - a));
  }
  overhead.sort((a, b) => a - b);
  const ns = new Float64Array(items.length);
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as Prepared;
    const a = process.hrtime.bigint();
    decide(compiled, item.person, item.key, item.instantMs, item.context);
    ns[i] = Number(process.hrtime.bigint() - a);
  }
  ns.sort();
  return { ns, timerNs: quantile(overhead, 0.5) };
}

function batchLatency(compiled: CompiledPolicy, items: Prepared[], batch: number): Float64Array {
  const means = new Float64Array(Math.floor(items.length / batch));
  for (let b = 0; b < means.length; b++) {
    const a = process.hrtime.bigint();
    for (let i = b * batch; i < (b + 1) * batch; i++) {
      const item = items[i] as Prepared;
      decide(compiled, item.person, item.key, item.instantMs, item.context);
    }
    means[b] = Number(process.hrtime.bigint() - a) / batch;
  }
  return means.sort();
}

/**
 * Median over a few passes of a per-item function, in CPU ns per item (process CPU time, so that time the
 * process spends waiting for a core on a busy machine does not count), after one warm-up pass.
 */
function nsPerItem<T>(items: readonly T[], passes: number, fn: (item: T) => unknown): number {
  const results: number[] = [];
  let sink = 0;
  for (const item of items) if (fn(item)) sink++;
  for (let p = 0; p < passes; p++) {
    const started = cpuNow();
    for (const item of items) if (fn(item)) sink++;
    results.push(((cpuNow() - started) * 1e6) / items.length);
  }
  if (sink < 0) console.log(sink);
  return quantile(
    results.sort((a, b) => a - b),
    0.5,
  );
}

/** A named local closure, as decide() makes its `deny` helper on every call. */
function withNamedClosure(x: number): number {
  const add = (y: number) => x + y;
  return add(1);
}
function withoutClosure(x: number): number {
  return x + 1;
}

/** Where the time of one decide() goes, measured piece by piece with src's own exported functions. */
function breakdown(compiled: CompiledPolicy, items: Prepared[], decideNs: number): SummaryRow[] {
  heading('decide(): where the time goes (same requests, warm; CPU ns, median of 5 passes)');
  const sample = items.slice(0, QUICK ? 10_000 : 20_000);
  const rulesById = new Map(compiled.rules.map((rule) => [rule.id, rule]));
  const cases = sample.map((item) => {
    const person = compiled.people.get(item.person) as CompiledPerson;
    const key = compiled.keys.get(item.key) as CompiledKey;
    const time = key.site.calendar.timeAt(item.instantMs);
    const decision = decide(compiled, item.person, item.key, item.instantMs, item.context);
    const matching = matchingRules(compiled, person, key);
    return {
      item,
      person,
      key,
      time,
      decision,
      matching,
      open: matching.filter((rule) => ruleCovers(rule, time)),
      rule: decision.rule ? (rulesById.get(decision.rule) as CompiledRule) : null,
    };
  });
  type Case = (typeof cases)[number];
  /** The explanation decide() writes for this outcome, from its inputs computed beforehand. */
  const explain = (x: Case): string => {
    const d = x.decision;
    if ((d.outcome === 'allow' || d.outcome === 'needs') && x.rule) {
      const missing = d.missing ?? {};
      const evaluation: RuleEvaluation = {
        rule: x.rule,
        conditions: conditionsAt(x.rule, d.afterHours),
        missing,
        missingCount: Object.keys(missing).filter((k) => k !== 'factorKinds').length,
        notes: [],
      };
      return d.outcome === 'allow'
        ? explainAllow(compiled, x.person, x.key, x.time, evaluation, x.item.context, d.dueAt)
        : explainNeeds(compiled, x.person, x.key, x.time, evaluation);
    }
    switch (d.code) {
      case 'no_rule':
        return explainNoRule(x.person, x.key);
      case 'outside_hours':
        return explainOutsideHours(x.person, x.key, x.time, x.matching);
      case 'person_inactive':
        return explainPersonInactive(x.person);
      case 'max_keys_out':
        return explainMaxKeysOut(
          x.person,
          x.key,
          x.item.context.keysOut ?? 0,
          conditionsAt(x.rule as CompiledRule, d.afterHours),
        );
      default: {
        const reason = x.item.context.reason ?? '';
        return explainReasonNotAllowed(
          compiled,
          x.key,
          reason,
          compiled.reasons.has(reason),
          x.open,
          d.afterHours,
        );
      }
    }
  };
  const withLocalTime = cases.filter(
    (x) => x.decision.outcome !== 'deny' || x.decision.code === 'outside_hours',
  );
  const withDueAt = cases.filter((x) => x.decision.dueAt !== null);

  const calendarNs = nsPerItem(cases, 5, (x) => x.key.site.calendar.timeAt(x.item.instantMs).afterHours);
  const matchingNs = nsPerItem(cases, 5, (x) => matchingRules(compiled, x.person, x.key).length);
  const coversNs = nsPerItem(cases, 5, (x) => x.matching.filter((rule) => ruleCovers(rule, x.time)).length);
  const explainNs = nsPerItem(cases, 5, (x) => explain(x).length);
  const localTimeNs = nsPerItem(
    withLocalTime,
    5,
    (x) => describeLocalTime(x.time, x.key.site.timezone).length,
  );
  const dueAtNs = nsPerItem(withDueAt, 5, (x) => new Date(x.item.instantMs + 3_600_000).toISOString().length);
  const numbers = Array.from({ length: 200_000 }, (_, i) => i);
  const closureNs = nsPerItem(numbers, 5, withNamedClosure) - nsPerItem(numbers, 5, withoutClosure);

  // A cold quarter hour: the zone clock asks luxon (Intl) for offsets the first time it meets a quarter hour
  // of a zone. Timed on a fresh ZoneClock (no warm-up pass, which would fill its cache), over quarter hours
  // of a year it has not seen; luxon's own offset() beside it.
  const quarterHours = Array.from({ length: 20_000 }, (_, i) => Date.UTC(2030, 0, 1) + i * 900_000 + 450_000);
  new ZoneClock('Australia/Adelaide').localTimeAt(Date.UTC(2029, 0, 1));
  const clock = new ZoneClock('Australia/Adelaide');
  const coldStarted = cpuNow();
  for (const ms of quarterHours) clock.localTimeAt(ms);
  const offsetNs = ((cpuNow() - coldStarted) * 1e6) / quarterHours.length;
  const zone = IANAZone.create('Australia/Adelaide');
  const luxonNs = nsPerItem(quarterHours, 1, (ms) => zone.offset(ms));
  const zones = new Set([...compiled.sites.values()].map((site) => site.timezone)).size;
  const quartersPerYear = 365 * 96;

  const share = (n: number) => n / cases.length;
  const row = (piece: string, ns: number, applies: number, what: string) => {
    const perRequest = ns * applies;
    return [
      piece,
      fmt(ns),
      `${(100 * applies).toFixed(0)}%`,
      fmt(perRequest),
      `${((100 * perRequest) / decideNs).toFixed(0)}%`,
      what,
    ];
  };
  printTable([
    ['piece (measured alone)', 'ns per call', 'applies to', 'ns/request', 'of decide()', 'what'],
    ['decide() total', fmt(decideNs), '100%', fmt(decideNs), '100%', 'from the rounds above, per CPU-second'],
    row(
      'calendar.timeAt (warm)',
      calendarNs,
      1,
      'zone offset (cached per quarter hour), holiday day, business-hours mask',
    ),
    row('matchingRules', matchingNs, 1, 'intersection of sorted rule positions (allocates an array)'),
    row('filter ruleCovers', coversNs, 1, 'the `when` of each matching rule'),
    row(
      'explanation text',
      explainNs,
      1,
      "explain*() for each request's outcome (approver/witness notes left out)",
    ),
    row(
      '  of which describeLocalTime',
      localTimeNs,
      share(withLocalTime.length),
      'allow, needs, outside_hours: Date#toISOString for the local date',
    ),
    row('dueAt: Date#toISOString', dueAtNs, share(withDueAt.length), 'allow with a maxDuration'),
    row(
      'named closure per call',
      closureNs,
      1,
      "decide()'s `const deny = (...) => ...` under tsx keepNames (__name)",
    ),
  ]);
  console.log(
    'Pieces are timed alone (own loops, own cache state), so they overlap and do not add up exactly; they show the order of magnitude.',
  );
  const coldMs = (zones * quartersPerYear * offsetNs) / 1e6;
  console.log(
    `cold quarter hour: ZoneClock.localTimeAt ${fmt(offsetNs)} ns the first time it meets a quarter hour of a zone (luxon IANAZone.offset, Intl formatToParts, is ${fmt(luxonNs)} ns a call); a year over ${zones} zones is ${fmt(zones * quartersPerYear)} quarter hours = ${fmt(coldMs)} ms per process that replays a year`,
  );
  const explainShare = (100 * explainNs) / decideNs;
  return [
    {
      what: 'decide(): explanation text',
      value: `${fmt(explainNs)} ns`,
      spread: '',
      note: `${explainShare.toFixed(0)}% of a decision`,
    },
    {
      what: 'decide(): calendar (warm)',
      value: `${fmt(calendarNs)} ns`,
      spread: '',
      note: `${((100 * calendarNs) / decideNs).toFixed(0)}% of a decision`,
    },
    {
      what: 'ZoneClock cold quarter hour',
      value: `${fmt(offsetNs)} ns`,
      spread: '',
      note: `a year x ${zones} zones = ${fmt(coldMs)} ms`,
    },
  ];
}

interface Timing {
  ms: number;
  cpuMs: number;
}

interface EngineRound {
  casbin: Timing;
  cedar: Timing;
  count: number;
}

/** casbin and Cedar side by side with decide(), and the agreement check. */
async function compareEngines(
  fixture: Fixture,
  items: Prepared[],
  allItems: Prepared[],
  keywardenMedian: number,
  keywardenCpuMedian: number,
): Promise<SummaryRow[]> {
  heading('Side by side: Keywarden decide() vs casbin vs Cedar (same grants)');
  const { policy, compiled } = fixture;
  const grants = timed(() => buildGrants(policy));
  const casbin = await (async () => {
    const started = performance.now();
    const setup = await createCasbin(policy, grants.result);
    return { setup, ms: performance.now() - started };
  })();
  const cedar = timed(() => createCedar(policy, grants.result));
  console.log(
    `${grants.result.length} grants from ${policy.rules.length} rules (one per rule and business-hours / after-hours conditions), built in ${seconds(grants.ms)}`,
  );
  console.log(
    `casbin ${fmt(casbin.ms)} ms to build (one ABAC matcher, ${fmt(casbin.setup.matcherLength)} chars, no policy lines); Cedar ${fmt(cedar.ms)} ms to preparse ${fmt(cedar.result.policies)} policies (${fmt(cedar.result.policyTextLength)} chars)`,
  );
  console.log(
    "Time is NOT computed by casbin or Cedar: the after-hours flag (timezone, business hours, holidays, closures) and the covering schedules come from Keywarden's calendar per request and are passed in as request context. Everything else (who, keys, schedule, factor count over the counted kinds, reason required/allowed, known reason, maxKeysOut, supervisor/role approval, witness by role or by eligibility, inactive people) is expressed in the engines' own languages. Keywarden's 'needs' counts as not-allow.",
  );

  const total = items.length;
  const facts = createTimeFacts(compiled, policy);
  // Each preparation runs twice and the second (warm) run is timed.
  const twice = <T>(fn: () => T) => {
    fn();
    return timed(fn);
  };
  const timeFacts = twice(() => items.map((item) => facts(item.key, item.instantMs)));
  const casbinArgs = twice(() =>
    items.map((item, i) => casbinRequest(casbin.setup, item.request, timeFacts.result[i] as TimeFacts)),
  );
  const cedarCalls = twice(() =>
    items.map((item, i) => cedarCall(cedar.result, item.request, timeFacts.result[i] as TimeFacts)),
  );
  const perReq = (ms: number) => (ms * 1e3) / total;
  console.log(
    `request preparation, not in the engine timings below: calendar facts ${perReq(timeFacts.ms).toFixed(2)} us, casbin attributes ${perReq(casbinArgs.ms).toFixed(2)} us, Cedar call object ${perReq(cedarCalls.ms).toFixed(2)} us per request`,
  );

  const keywarden = items.map((item) =>
    decide(compiled, item.person, item.key, item.instantMs, item.context),
  );
  const casbinAllows = new Array<boolean>(total);
  const cedarAllowsList = new Array<boolean>(total);
  const runCasbin = (from: number, to: number): Timing => {
    const cpu = cpuNow();
    const started = performance.now();
    for (let i = from; i < to; i++) {
      const [sub, obj, ctx] = casbinArgs.result[i] as [CasbinPerson, CasbinKey, CasbinContext];
      casbinAllows[i] = casbin.setup.enforcer.enforceSync(sub, obj, ctx);
    }
    return { ms: performance.now() - started, cpuMs: cpuNow() - cpu };
  };
  const runCedar = (from: number, to: number): Timing => {
    const cpu = cpuNow();
    const started = performance.now();
    for (let i = from; i < to; i++)
      cedarAllowsList[i] = cedarAllows(cedarCalls.result[i] as Parameters<typeof cedarAllows>[0]);
    return { ms: performance.now() - started, cpuMs: cpuNow() - cpu };
  };

  // Warm-up (casbin compiles its matcher on the first call; V8 tiers the Cedar wasm up over the first seconds).
  const warm = Math.min(total, QUICK ? 50 : 300);
  runCasbin(0, warm);
  runCedar(0, warm);
  const roundCount = QUICK ? 3 : 8;
  const perRound = Math.floor((total - warm) / roundCount);
  const rounds: EngineRound[] = [];
  for (let r = 0; r < roundCount; r++) {
    const from = warm + r * perRound;
    const to = r === roundCount - 1 ? total : from + perRound;
    rounds.push({ casbin: runCasbin(from, to), cedar: runCedar(from, to), count: to - from });
  }
  const casbinRate = spread(rounds.map((r) => (r.count * 1000) / r.casbin.ms));
  const cedarRate = spread(rounds.map((r) => (r.count * 1000) / r.cedar.ms));
  const casbinCpuRate = spread(rounds.map((r) => (r.count * 1000) / r.casbin.cpuMs));
  const cedarCpuRate = spread(rounds.map((r) => (r.count * 1000) / r.cedar.cpuMs));

  let kwAllows = 0;
  const disagreements: { i: number; keywarden: Decision; casbin: boolean; cedar: boolean }[] = [];
  let kwCasbin = 0;
  let kwCedar = 0;
  let casbinCedar = 0;
  for (let i = 0; i < total; i++) {
    const kw = (keywarden[i] as Decision).outcome === 'allow';
    if (kw) kwAllows++;
    const cb = casbinAllows[i] as boolean;
    const cd = cedarAllowsList[i] as boolean;
    if (kw !== cb) kwCasbin++;
    if (kw !== cd) kwCedar++;
    if (cb !== cd) casbinCedar++;
    if (kw !== cb || kw !== cd)
      disagreements.push({ i, keywarden: keywarden[i] as Decision, casbin: cb, cedar: cd });
  }
  console.log(
    `comparable set: ${fmt(total)} requests (every request of the set; ${((100 * kwAllows) / total).toFixed(1)}% allowed by Keywarden; mix ${outcomeMix(keywarden)})`,
  );
  console.log(
    `disagreements on allow vs not-allow: Keywarden/casbin ${kwCasbin}, Keywarden/Cedar ${kwCedar}, casbin/Cedar ${casbinCedar}`,
  );
  for (const d of disagreements.slice(0, 5)) {
    const item = items[d.i] as Prepared;
    console.log(
      `  #${d.i} ${JSON.stringify({ ...item.request, facts: timeFacts.result[d.i] })}\n    keywarden ${d.keywarden.outcome}${d.keywarden.code ? `:${d.keywarden.code}` : ''} (${d.keywarden.explanation}); casbin ${d.casbin}; cedar ${d.cedar}`,
    );
  }

  // The same grants evaluated in plain TypeScript, on every request of the throughput rounds.
  const reference = createReference(policy, grants.result);
  let referenceDisagreements = 0;
  const referenceRun = timed(() => {
    for (const item of allItems) {
      const expected = reference(item.request, facts(item.key, item.instantMs));
      const d = decide(compiled, item.person, item.key, item.instantMs, item.context);
      if ((d.outcome === 'allow') !== expected) {
        if (referenceDisagreements++ < 5)
          console.log(
            `  reference disagrees: ${JSON.stringify(item.request)} -> keywarden ${d.outcome}${d.code ? `:${d.code}` : ''}, reference ${expected} (${d.explanation})`,
          );
      }
    }
  });
  console.log(
    `plain-TypeScript evaluation of the same grants on all ${fmt(allItems.length)} requests of the rounds: ${referenceDisagreements} disagreements with decide() (${seconds(referenceRun.ms)})`,
  );

  printTable([
    ['engine', 'decisions/s (median)', 'min', 'max', 'IQR', 'rounds x requests', 'Keywarden / engine'],
    ['Keywarden decide()', fmt(keywardenMedian), '', '', '', 'see above', '1'],
    [
      'casbin 5 (ABAC matcher)',
      fmt(casbinRate.median),
      fmt(casbinRate.min),
      fmt(casbinRate.max),
      `${fmt(casbinRate.q1)}-${fmt(casbinRate.q3)}`,
      `${roundCount} x ${fmt(perRound)}`,
      `${fmt(keywardenMedian / casbinRate.median, 0)}x`,
    ],
    [
      'Cedar 4 (wasm, preparsed)',
      fmt(cedarRate.median, 1),
      fmt(cedarRate.min, 1),
      fmt(cedarRate.max, 1),
      `${fmt(cedarRate.q1, 1)}-${fmt(cedarRate.q3, 1)}`,
      `${roundCount} x ${fmt(perRound)}`,
      `${fmt(keywardenMedian / cedarRate.median, 0)}x`,
    ],
  ]);
  console.log(
    `by CPU time (median per CPU-second): Keywarden ${fmt(keywardenCpuMedian)}/s, casbin ${fmt(casbinCpuRate.median)}/s, Cedar ${fmt(cedarCpuRate.median, 1)}/s; Keywarden / casbin ${fmt(keywardenCpuMedian / casbinCpuRate.median)}x, Keywarden / Cedar ${fmt(keywardenCpuMedian / cedarCpuRate.median)}x`,
  );
  const withPrep = (rate: number, prepMs: number) => 1 / (1 / rate + (prepMs + timeFacts.ms) / 1000 / total);
  console.log(
    `with the request preparation (calendar facts + attribute objects) added: casbin ${fmt(withPrep(casbinRate.median, casbinArgs.ms))}/s, Cedar ${fmt(withPrep(cedarRate.median, cedarCalls.ms), 1)}/s`,
  );

  // Cedar's floor: the same kind of call against a one-policy set, to separate per-call cost from per-policy cost.
  const floor = cedarFloorMicros(cedarCalls.result.slice(0, 300));
  console.log(
    `Cedar CPU per call: ${fmt(floor, 0)} us with a 1-policy set (same entities and context), ${fmt(1e6 / cedarCpuRate.median, 0)} us with the ${fmt(cedar.result.policies)} policies: it evaluates every policy for every request`,
  );

  return [
    {
      what: 'casbin enforceSync (ABAC)',
      value: `${fmt(casbinRate.median)}/s`,
      spread: `${fmt(casbinRate.min)}..${fmt(casbinRate.max)}`,
      note: `Keywarden / casbin: ${fmt(keywardenMedian / casbinRate.median)}x wall, ${fmt(keywardenCpuMedian / casbinCpuRate.median)}x CPU`,
    },
    {
      what: 'Cedar statefulIsAuthorized',
      value: `${fmt(cedarRate.median, 1)}/s`,
      spread: `${fmt(cedarRate.min, 1)}..${fmt(cedarRate.max, 1)}`,
      note: `Keywarden / Cedar: ${fmt(keywardenMedian / cedarRate.median)}x wall, ${fmt(keywardenCpuMedian / cedarCpuRate.median)}x CPU`,
    },
    {
      what: 'agreement (allow vs not)',
      value: `${kwCasbin + kwCedar + casbinCedar} disagreements`,
      spread: '',
      note: `${fmt(total)} requests, 3 engines`,
    },
    {
      what: 'agreement with plain-TS grants',
      value: `${referenceDisagreements} disagreements`,
      spread: '',
      note: `${fmt(allItems.length)} requests`,
    },
  ];
}

export async function runDecideBench(fixture: Fixture): Promise<SummaryRow[]> {
  const { compiled, policy } = fixture;
  const count = QUICK ? 30_000 : 100_000;
  const rounds = QUICK ? 3 : 9;
  heading(`Keywarden decide(): ${fmt(count)} requests per round, one thread, warm`);
  const generated = timed(() => prepare(generateRequests(policy, count, 7)));
  const items = generated.result;
  const cold = decidePass(compiled, items);
  const decisions = items.map((item) =>
    decide(compiled, item.person, item.key, item.instantMs, item.context),
  );
  console.log(`requests: generated in ${seconds(generated.ms)}; outcome mix: ${outcomeMix(decisions)}`);
  console.log(
    `cold first pass: ${fmt((count * 1000) / cold.ms)}/s (JIT warm-up and every zone's quarter-hour offsets looked up for the first time)`,
  );
  decidePass(compiled, items);
  const rates: number[] = [];
  const cpuRates: number[] = [];
  let allows = 0;
  for (let r = 0; r < rounds; r++) {
    const pass = decidePass(compiled, items);
    rates.push((count * 1000) / pass.ms);
    cpuRates.push((count * 1000) / pass.cpuMs);
    allows += pass.allows;
  }
  const rate = spread(rates);
  const cpuRate = spread(cpuRates);
  console.log(
    `throughput (wall clock): ${describeRate(rate)}; rounds: ${rates.map((r) => fmt(r)).join(', ')}`,
  );
  console.log(
    `per CPU-second of this process (less sensitive to other load on the machine): ${describeRate(cpuRate)}`,
  );
  console.log(
    `target >= ${fmt(TARGET_PER_SECOND)}/s on one core: ${rate.median >= TARGET_PER_SECOND ? 'met' : `NOT met (median is ${((100 * rate.median) / TARGET_PER_SECOND).toFixed(0)}% of it)`} [checksum ${allows}]`,
  );

  const latency = perCallLatency(compiled, items);
  const us = (ns: number) => (ns / 1000).toFixed(2);
  console.log(
    `latency per call (${fmt(count)} calls, each timed with process.hrtime.bigint; timer overhead ~${fmt(latency.timerNs)} ns included): p50 ${us(quantile(latency.ns, 0.5))} us, p90 ${us(quantile(latency.ns, 0.9))} us, p99 ${us(quantile(latency.ns, 0.99))} us, p99.9 ${us(quantile(latency.ns, 0.999))} us, max ${us(quantile(latency.ns, 1))} us`,
  );
  const batches = batchLatency(compiled, items, 100);
  console.log(
    `latency per call from batches of 100 (mean per call in each batch): p50 ${us(quantile(batches, 0.5))} us, p99 ${us(quantile(batches, 0.99))} us, max ${us(quantile(batches, 1))} us`,
  );

  const decideNs = 1e9 / cpuRate.median;
  const rows: SummaryRow[] = [
    {
      what: 'Keywarden decide()',
      value: `${fmt(rate.median)}/s`,
      spread: `${fmt(rate.min)}..${fmt(rate.max)}`,
      note: `target ${fmt(TARGET_PER_SECOND)}/s ${rate.median >= TARGET_PER_SECOND ? 'met' : 'NOT met'}`,
    },
    {
      what: 'Keywarden decide() per CPU-second',
      value: `${fmt(cpuRate.median)}/s`,
      spread: `${fmt(cpuRate.min)}..${fmt(cpuRate.max)}`,
      note: 'process CPU time, incl. GC threads',
    },
    {
      what: 'decide() latency p50 / p99',
      value: `${us(quantile(latency.ns, 0.5))} / ${us(quantile(latency.ns, 0.99))} us`,
      spread: `max ${us(quantile(latency.ns, 1))} us`,
      note: 'per call, hrtime',
    },
  ];
  rows.push(...breakdown(compiled, items, decideNs));
  rows.push(
    ...(await compareEngines(
      fixture,
      items.slice(0, QUICK ? 200 : 2_000),
      items,
      rate.median,
      cpuRate.median,
    )),
  );
  return rows;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows = await runDecideBench(createFixture());
  heading('Summary');
  printTable([
    ['figure', 'median', 'spread', 'note'],
    ...rows.map((r) => [r.what, r.value, r.spread, r.note]),
  ]);
}
