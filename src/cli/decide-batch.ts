/**
 * `policy decide --batch`: JSON Lines in, one decision (or error) line out per line in, in order. Built for
 * replaying a month of traffic against a changed policy, so it streams: input is split by hand from large
 * chunks and output is written in large chunks, respecting back-pressure.
 */
import { createReadStream } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import type { CompiledPolicy } from '../domain/policy/compile-policy.js';
import { DecisionInputError, decide } from '../domain/policy/decide.js';
import { readDecisionRequest } from '../policy/decision-request.js';

export interface BatchSummary {
  lines: number;
  errors: number;
}

const FLUSH_AT = 1 << 16;

function errorLine(code: string, message: string): string {
  return JSON.stringify({ error: { code, message } });
}

/** Decides one JSON line; returns the output line and whether it is an error. */
export function decideLine(policy: CompiledPolicy, line: string): { out: string; error: boolean } {
  let input: unknown;
  try {
    input = JSON.parse(line);
  } catch {
    return { out: errorLine('invalid_json', 'the line is not valid JSON'), error: true };
  }
  const request = readDecisionRequest(policy, input);
  if ('code' in request) return { out: errorLine(request.code, request.message), error: true };
  try {
    return {
      out: JSON.stringify(decide(policy, request.person, request.key, request.instantMs, request.context)),
      error: false,
    };
  } catch (error) {
    if (error instanceof DecisionInputError)
      return { out: errorLine(error.code, error.message), error: true };
    throw error;
  }
}

/** Decides every line of `source` ("-" for standard input) and writes the results to `output`. */
export async function decideBatch(
  policy: CompiledPolicy,
  source: string,
  output: Writable = process.stdout,
): Promise<BatchSummary> {
  // Decoding in the stream keeps a multi-byte character that straddles two chunks whole.
  const input: Readable =
    source === '-' ? process.stdin.setEncoding('utf8') : createReadStream(source, 'utf8');
  const summary: BatchSummary = { lines: 0, errors: 0 };
  let pending = '';
  let buffer = '';

  const flush = async (): Promise<void> => {
    if (buffer === '') return;
    const ok = output.write(buffer);
    buffer = '';
    if (!ok) await new Promise<void>((resolve) => output.once('drain', resolve));
  };
  const handle = (line: string): void => {
    const text = line.endsWith('\r') ? line.slice(0, -1) : line;
    const result = decideLine(policy, text);
    summary.lines++;
    if (result.error) summary.errors++;
    buffer += `${result.out}\n`;
  };

  for await (const chunk of input) {
    const text = pending + (chunk as string);
    let start = 0;
    let end = text.indexOf('\n', start);
    while (end !== -1) {
      handle(text.slice(start, end));
      start = end + 1;
      end = text.indexOf('\n', start);
      if (buffer.length >= FLUSH_AT) await flush();
    }
    pending = text.slice(start);
  }
  // A last line without a newline still counts; an empty remainder is just the file's final newline.
  if (pending !== '') handle(pending);
  await flush();
  return summary;
}
