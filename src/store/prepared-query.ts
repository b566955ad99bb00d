/**
 * Hot statements compiled once. Building and compiling a Kysely query (immutable operation trees, then a walk
 * to SQL) costs more CPU than SQLite takes to run the statement: about a quarter of the checkout path's time
 * in a profile. The checkout path runs the same dozen shapes every time, so each is built with Kysely once per
 * dialect, with placeholders where the caller's values go, and every execution swaps the values into the
 * compiled parameter list. The SQL text is always Kysely's output, never built from input, and values still
 * travel as bound parameters (so SQLite's statement cache and PostgreSQL's plans see one text per shape).
 *
 * @example
 * const findKey = prepareQuery((db, p: Params<{ key: string }>) =>
 *   db.selectFrom('keys').select(['id', 'status']).where('id', '=', p.key));
 * const key = await findKey.first(trx, { key: 'k-1' });
 */
import type { Compilable, CompiledQuery, Kysely, QueryResult } from 'kysely';
import type { Dialect } from './database.js';
import { dialectOf } from './dialect-of.js';
import type { DB } from './schema.js';

/** What a placeholder is in the compiled parameter list: a unique object the caller's values replace. */
class Placeholder {
  constructor(readonly name: string) {}
}

/** Placeholders typed as the values they stand for, so Kysely's builders accept them. */
export type Params<A> = { readonly [K in keyof A]: A[K] };

interface Compiled {
  query: CompiledQuery;
  /** For each compiled parameter: the argument's name, or the constant Kysely put there. */
  slots: ReadonlyArray<{ arg: string } | { value: unknown }>;
}

export class PreparedQuery<A extends Record<string, unknown>, R> {
  private readonly compiled = new Map<Dialect, Compiled>();

  constructor(private readonly build: (db: Kysely<DB>, params: Params<A>) => Compilable<R>) {}

  private compile(db: Kysely<DB>): Compiled {
    const dialect = dialectOf(db);
    let compiled = this.compiled.get(dialect);
    if (!compiled) {
      const params = new Proxy({} as Params<A>, {
        get: (_target, name) => new Placeholder(String(name)),
      });
      const query = this.build(db, params).compile();
      compiled = {
        query,
        slots: query.parameters.map((value) =>
          value instanceof Placeholder ? { arg: value.name } : { value },
        ),
      };
      this.compiled.set(dialect, compiled);
    }
    return compiled;
  }

  /** Runs the statement in `db` (usually a transaction) with `args` in the placeholders' places. */
  execute(db: Kysely<DB>, args: A): Promise<QueryResult<R>> {
    const { query, slots } = this.compile(db);
    const parameters = slots.map((slot) => {
      if (!('arg' in slot)) return slot.value;
      const value = args[slot.arg];
      // Kysely leaves an undefined column out of an insert; here it would bind NULL silently. Refuse instead.
      if (value === undefined) throw new TypeError(`prepared query: no value for "${slot.arg}"`);
      return value;
    });
    return db.executeQuery<R>({ ...query, parameters } as CompiledQuery<R>);
  }

  /** All rows. */
  async rows(db: Kysely<DB>, args: A): Promise<R[]> {
    return (await this.execute(db, args)).rows;
  }

  /** The first row, if any. */
  async first(db: Kysely<DB>, args: A): Promise<R | undefined> {
    return (await this.execute(db, args)).rows[0];
  }

  /** How many rows an INSERT, UPDATE or DELETE changed. */
  async changes(db: Kysely<DB>, args: A): Promise<number> {
    return Number((await this.execute(db, args)).numAffectedRows ?? 0);
  }
}

/** A statement built with Kysely once per dialect and run many times; see the module comment. */
export function prepareQuery<A extends Record<string, unknown>, R>(
  build: (db: Kysely<DB>, params: Params<A>) => Compilable<R>,
): PreparedQuery<A, R> {
  return new PreparedQuery(build);
}
