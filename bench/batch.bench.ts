/**
 * The real CLI end to end: the generated policy written as YAML, 1,000,000 request lines (100,000 with
 * BENCH_QUICK=1) as JSON Lines, then `node bin/keywarden.js policy decide policy.yaml --batch requests.jsonl
 * > out` as a child process. Prints lines/s on wall time including start-up, checks that the output has one
 * line per request, and compares the first lines with decideLine() run in this process. Also times what the
 * start-up is made of (YAML parse, validation, compilation) and the per-line work in process.
 *
 * Run alone: node --import tsx bench/batch.bench.ts   (BENCH_KEEP=1 keeps the files in the temp directory)
 */
import { spawn } from 'node:child_process';
import {
  closeSync,
  createReadStream,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import YAML, { LineCounter, parseDocument } from 'yaml';
import { decideLine } from '../src/cli/decide-batch.js';
import { compilePolicy } from '../src/domain/policy/compile-policy.js';
import { decide } from '../src/domain/policy/decide.js';
import { validatePolicy } from '../src/domain/policy/validate-policy.js';
import { readDecisionRequest } from '../src/policy/decision-request.js';
import { createFixture, type Fixture } from './fixture.js';
import { createRequestGenerator, requestLine } from './generate-policy.js';
import { fmt, heading, printTable, QUICK, type SummaryRow, seconds, timed, timedCpu } from './stats.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CHECKED_LINES = 20_000;

function mb(bytes: number): string {
  return `${(bytes / 1_048_576).toFixed(1)} MB`;
}

/**
 * CPU ms used by this process's finished children (user + system), from /proc/self/stat (cutime, cstime in
 * clock ticks of 1/100 s); null where there is no /proc.
 */
function childrenCpuMs(): number | null {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is the state (field 3 of the file); cutime and cstime are fields 16 and 17.
    return (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return null;
  }
}

/** Runs the CLI with stdout going to a file; resolves with the wall time, the child's CPU time and exit code. */
async function runCli(
  args: string[],
  outPath: string,
): Promise<{ ms: number; cpuMs: number | null; code: number | null; stderr: string }> {
  const cpuBefore = childrenCpuMs();
  const out = openSync(outPath, 'w');
  const started = performance.now();
  const child = spawn(process.execPath, [join(ROOT, 'bin/keywarden.js'), ...args], {
    cwd: ROOT,
    stdio: ['ignore', out, 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  const ms = performance.now() - started;
  closeSync(out);
  const cpuAfter = childrenCpuMs();
  const cpuMs = cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore;
  return { ms, cpuMs, code, stderr };
}

/** Where the CLI's start-up goes, measured in process on the same file text. */
function measureLoad(fixture: Fixture, text: string): { cpuMs: number } {
  heading('CLI start-up, piece by piece (in process, same policy text)');
  const lineCounter = new LineCounter();
  const doc = timedCpu(() => parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false }));
  const js = timedCpu(() => doc.result.toJS({ maxAliasCount: 100 }));
  const validated = timedCpu(() => validatePolicy(js.result));
  const policy = validated.result.policy;
  if (!policy) throw new Error('the YAML policy did not validate');
  const compiled = timedCpu(() => compilePolicy(policy));
  const json = timedCpu(() => JSON.parse(JSON.stringify(fixture.raw)));
  const both = (t: { ms: number; cpuMs: number }) => `${seconds(t.cpuMs)} (${seconds(t.ms)})`;
  const rows = [
    ['step', 'CPU (wall)', 'note'],
    [
      'yaml parseDocument (with LineCounter)',
      both(doc),
      `${mb(text.length)} of YAML; JSON.stringify + JSON.parse of the same data take ${fmt(json.cpuMs)} ms`,
    ],
    ['document.toJS({ maxAliasCount: 100 })', both(js), 'no anchors/aliases in this file'],
    ['validatePolicy', both(validated), ''],
    ['compilePolicy', both(compiled), ''],
  ];
  const cpuMs = doc.cpuMs + js.cpuMs + validated.cpuMs + compiled.cpuMs;
  if (!QUICK) {
    // YAML.stringify's default writes shared objects once with an anchor and refers to them with aliases,
    // as a person sharing one set of windows between sites would. toJS then counts aliases per alias.
    const aliased = YAML.stringify(fixture.raw);
    const aliases = (aliased.match(/\*a\d+\b/g) ?? []).length;
    const aliasedDoc = parseDocument(aliased, {
      lineCounter: new LineCounter(),
      uniqueKeys: true,
      prettyErrors: false,
    });
    const aliasedJs = timedCpu(() => aliasedDoc.toJS({ maxAliasCount: 100 }));
    const unchecked = timedCpu(() => aliasedDoc.toJS({ maxAliasCount: -1 }));
    rows.push([
      'same data with YAML anchors: toJS',
      both(aliasedJs),
      `${aliases} aliases; with maxAliasCount: -1 it takes ${seconds(unchecked.cpuMs)} CPU (yaml re-walks the whole document to count each alias)`,
    ]);
  }
  printTable(rows);
  console.log(
    `sum of the four steps: ${seconds(cpuMs)} CPU (the CLI also loads tsx, commander, luxon, date-holidays and zod, and compiles the TypeScript)`,
  );
  return { cpuMs };
}

/** Per-line work of the batch in process: parse + check, decide, stringify; cold and warm, in CPU time. */
function measureLines(fixture: Fixture, lines: string[]): { warmRate: number } {
  heading(
    `Batch lines in process: decideLine() over ${fmt(lines.length)} lines (no process start-up, no I/O; CPU time)`,
  );
  const compiled = compilePolicy(fixture.policy);
  const pass = () =>
    timedCpu(() => {
      let n = 0;
      for (const line of lines) n += decideLine(compiled, line).out.length;
      return n;
    });
  const cold = pass();
  const warm = [pass(), pass(), pass()].sort((a, b) => a.cpuMs - b.cpuMs)[1] as {
    cpuMs: number;
    result: number;
  };
  const requests = lines.map((line) => readDecisionRequest(compiled, JSON.parse(line)));
  const warmTimed = <T>(fn: () => T) => {
    fn();
    return timedCpu(fn);
  };
  const parse = warmTimed(() => {
    let n = 0;
    for (const line of lines) if (!('code' in readDecisionRequest(compiled, JSON.parse(line)))) n++;
    return n;
  });
  const decide1 = () => {
    const out: ReturnType<typeof decide>[] = [];
    for (const r of requests)
      if (!('code' in r)) out.push(decide(compiled, r.person, r.key, r.instantMs, r.context));
    return out;
  };
  const decided = warmTimed(decide1);
  const stringify = warmTimed(() => {
    let n = 0;
    for (const d of decided.result) n += JSON.stringify(d).length;
    return n;
  });
  const us = (ms: number) => `${((ms * 1000) / lines.length).toFixed(2)} us`;
  const rate = (ms: number) => fmt((lines.length * 1000) / ms);
  console.log(
    `cold pass (fresh compile: every zone's quarter-hour offsets looked up for the first time): ${rate(cold.cpuMs)} lines per CPU-second; warm: ${rate(warm.cpuMs)} lines per CPU-second`,
  );
  console.log(
    `warm, per line: JSON.parse + readDecisionRequest ${us(parse.cpuMs)}, decide ${us(decided.cpuMs)}, JSON.stringify ${us(stringify.cpuMs)}; output ${fmt(warm.result / lines.length)} characters per line on average`,
  );
  return { warmRate: (lines.length * 1000) / warm.cpuMs };
}

export async function runBatchBench(fixture: Fixture): Promise<SummaryRow[]> {
  const count = QUICK ? 100_000 : 1_000_000;
  heading(`CLI batch end to end: ${fmt(count)} request lines`);
  const dir = mkdtempSync(join(tmpdir(), 'keywarden-bench-'));
  const policyPath = join(dir, 'policy.yaml');
  const requestsPath = join(dir, 'requests.jsonl');
  const outPath = join(dir, 'out.jsonl');
  try {
    // Without anchors/aliases, as an exported or hand-written file would be (see the start-up table for both).
    const yamlText = timed(() => YAML.stringify(fixture.raw, { aliasDuplicateObjects: false }));
    writeFileSync(policyPath, yamlText.result);

    const next = createRequestGenerator(fixture.policy, 11);
    const firstLines: string[] = [];
    const written = timed(() => {
      const fd = openSync(requestsPath, 'w');
      const chunk = 20_000;
      for (let done = 0; done < count; done += chunk) {
        const lines: string[] = [];
        for (let i = done; i < Math.min(count, done + chunk); i++) {
          const line = requestLine(next());
          if (i < CHECKED_LINES) firstLines.push(line);
          lines.push(line);
        }
        writeSync(fd, `${lines.join('\n')}\n`);
      }
      closeSync(fd);
    });
    console.log(
      `policy.yaml ${mb(statSync(policyPath).size)} (YAML.stringify ${seconds(yamlText.ms)}); requests.jsonl ${mb(statSync(requestsPath).size)}, ${fmt(count)} lines (generated and written in ${seconds(written.ms)}); in ${dir}`,
    );

    let startupMs: number | null = null;
    let startupCpuMs: number | null = null;
    if (!QUICK) {
      const one = join(dir, 'one.jsonl');
      writeFileSync(one, `${firstLines[0]}\n`);
      const startup = await runCli(['policy', 'decide', policyPath, '--batch', one], join(dir, 'one.out'));
      if (startup.code !== 0)
        throw new Error(`the CLI failed on one line (${startup.code}): ${startup.stderr}`);
      startupMs = startup.ms;
      startupCpuMs = startup.cpuMs;
      console.log(`start-up: the same command on a 1-line batch takes ${seconds(startupMs)} wall`);
    }

    const run = await runCli(['policy', 'decide', policyPath, '--batch', requestsPath], outPath);
    if (run.code !== 0) throw new Error(`the CLI exited with ${run.code}: ${run.stderr}`);
    const endToEnd = (count * 1000) / run.ms;

    // Verify: one line out per line in, and the first lines equal what decideLine() gives in this process.
    const compiled = compilePolicy(fixture.policy);
    let lines = 0;
    let errors = 0;
    let mismatches = 0;
    let firstMismatch = '';
    const outcomes = new Map<string, number>();
    const reader = createInterface({
      input: createReadStream(outPath, 'utf8'),
      crlfDelay: Number.POSITIVE_INFINITY,
    });
    for await (const line of reader) {
      if (lines < CHECKED_LINES) {
        const expected = decideLine(compiled, firstLines[lines] as string).out;
        if (expected !== line) {
          mismatches++;
          firstMismatch ||= `line ${lines + 1}: CLI ${line.slice(0, 160)} | in process ${expected.slice(0, 160)}`;
        }
      }
      lines++;
      if (line.startsWith('{"error"')) errors++;
      const outcome = /^\{"outcome":"(\w+)"/.exec(line)?.[1] ?? 'other';
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
    console.log(
      `CLI: ${fmt(count)} lines in ${seconds(run.ms)} wall = ${fmt(endToEnd)} lines/s end to end (incl. start-up)${startupMs === null ? '' : `; ${fmt((count * 1000) / (run.ms - startupMs))} lines/s after start-up`}; output ${mb(statSync(outPath).size)}`,
    );
    if (run.cpuMs !== null)
      console.log(
        `CLI process CPU time (user + system, all its threads): ${seconds(run.cpuMs)}${startupCpuMs === null ? '' : `, of which start-up ${seconds(startupCpuMs)}`} = ${fmt((count * 1000) / run.cpuMs)} lines per CPU-second end to end (wall is longer when other work shares the cores)`,
      );
    console.log(
      `output check: ${fmt(lines)} lines (${lines === count ? 'exactly one per request' : `EXPECTED ${fmt(count)}`}), ${errors} error lines; outcomes ${[...outcomes].map(([o, n]) => `${o} ${fmt(n)}`).join(', ')}; first ${fmt(Math.min(CHECKED_LINES, count))} lines identical to in-process decideLine(): ${mismatches === 0 ? 'yes' : `NO, ${mismatches} differ (${firstMismatch})`}`,
    );
    if (run.stderr.trim()) console.log(`CLI stderr: ${run.stderr.trim()}`);

    const load = measureLoad(fixture, yamlText.result);
    const perLine = measureLines(fixture, firstLines);
    return [
      {
        what: `CLI batch, ${fmt(count)} lines`,
        value: `${fmt(endToEnd)} lines/s`,
        spread: 'single run',
        note: `wall ${seconds(run.ms)} incl. start-up${startupMs === null ? '' : ` ${seconds(startupMs)}`}; ${lines === count ? 'line count OK' : 'LINE COUNT WRONG'}`,
      },
      {
        what: 'CLI batch per CPU-second',
        value: run.cpuMs === null ? 'n/a' : `${fmt((count * 1000) / run.cpuMs)} lines/s`,
        spread: 'single run',
        note: run.cpuMs === null ? 'no /proc here' : `CLI CPU ${seconds(run.cpuMs)} (user + system)`,
      },
      {
        what: 'CLI start-up pieces (in process)',
        value: `${seconds(load.cpuMs)} CPU`,
        spread: '',
        note: 'YAML parse + validate + compile',
      },
      {
        what: 'decideLine() in process (warm)',
        value: `${fmt(perLine.warmRate)} lines/CPU-s`,
        spread: 'median of 3',
        note: 'parse + decide + stringify',
      },
    ];
  } finally {
    if (process.env.BENCH_KEEP === '1') console.log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows = await runBatchBench(createFixture());
  heading('Summary');
  printTable([
    ['figure', 'median', 'spread', 'note'],
    ...rows.map((r) => [r.what, r.value, r.spread, r.note]),
  ]);
}
