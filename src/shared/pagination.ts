import { ArgsType, ClassType, Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { DomainError } from './errors';
import { isUuid } from './ids';

@ObjectType({ description: 'Where a page sits in its list (Relay cursor connections).' })
export class PageInfo {
  @Field({ description: 'More items follow the last edge. Paging backward (last/before) it is false.' })
  hasNextPage: boolean;

  @Field({ description: 'More items come before the first edge. Paging forward (first/after) it is false.' })
  hasPreviousPage: boolean;

  @Field(() => String, { nullable: true, description: "The first edge's cursor: pass it as before for the page before; null on an empty page." })
  startCursor: string | null;

  @Field(() => String, { nullable: true, description: "The last edge's cursor: pass it as after for the next page; null on an empty page." })
  endCursor: string | null;
}

/** The four Relay paging arguments of every connection field. */
@ArgsType()
export class PageArgs {
  @Field(() => Int, { nullable: true, description: 'Items from the start (after the cursor `after`), 1 to 100; 20 when neither first nor last is given.' })
  first?: number | null;

  @Field(() => String, { nullable: true, description: 'A cursor from this list: the page starts after it.' })
  after?: string | null;

  @Field(() => Int, { nullable: true, description: 'Items from the end (before the cursor `before`), 1 to 100.' })
  last?: number | null;

  @Field(() => String, { nullable: true, description: 'A cursor from this list: the page ends before it.' })
  before?: string | null;
}

/** A page asked for: how many, from which cursor (the value inside it), in which direction. */
export interface PageRequest {
  size: number;
  cursor: string | null;
  /** last/before: the page is read from the end, then put back in list order. */
  backward: boolean;
}

export interface Edge<T> {
  cursor: string;
  node: T;
}

/** A Relay connection; `totalCount` is a promise created only if a client asks for it. */
export interface Connection<T> {
  edges: Edge<T>[];
  pageInfo: PageInfo;
  readonly totalCount: Promise<number>;
}

/** A count over every row a filter matches: priced like a small aggregate (see limits/query-cost.ts). */
export const TOTAL_COUNT_COST = 50;

export function ConnectionType<T extends object>(node: ClassType<T>, name: string) {
  @ObjectType(`${name}Edge`, { description: `One ${name} of a page, with its cursor.` })
  class EdgeType {
    @Field({ description: 'Where this item sits in the list: pass it as after or before to page from here.' })
    cursor: string;

    @Field(() => node, { description: 'The item.' })
    node: T;
  }

  @ObjectType(`${name}Connection`, { description: `A page of ${name} items (a Relay connection).` })
  class ConnectionClass {
    @Field(() => [EdgeType], { description: 'The items of the page, in list order.' })
    edges: EdgeType[];

    @Field(() => PageInfo, { description: 'Where the page sits in the list.' })
    pageInfo: PageInfo;

    @Field(() => Int, { complexity: TOTAL_COUNT_COST, description: 'Every item the filter matches, counted in the database.' })
    totalCount: number;
  }
  return ConnectionClass;
}

export const PAGE_SIZE = { default: 20, max: 100 } as const;

function checkedSize(name: 'first' | 'last', value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > PAGE_SIZE.max) {
    throw new DomainError('BAD_USER_INPUT', `${name} must be between 1 and ${PAGE_SIZE.max}, got ${value}`);
  }
  return value;
}

/** The page `args` ask for in a list whose cursors are of `kind`; first/after and last/before do not mix. */
export function pageRequest(args: PageArgs, kind: CursorKind): PageRequest {
  const forward = args.first != null || args.after != null;
  const backward = args.last != null || args.before != null;
  if (forward && backward) throw new DomainError('BAD_USER_INPUT', 'page with first/after or with last/before, not both');
  if (backward) return { size: args.last == null ? PAGE_SIZE.default : checkedSize('last', args.last), cursor: decodeCursor(args.before, kind, 'before'), backward: true };
  return { size: args.first == null ? PAGE_SIZE.default : checkedSize('first', args.first), cursor: decodeCursor(args.after, kind, 'after'), backward: false };
}

/**
 * How to read the page from a list in `order` by its key: the comparison with the cursor
 * and the direction to read in (the reverse of the list's order when paging backward).
 */
export function keyset(request: PageRequest, order: 'ASC' | 'DESC'): { op: '>' | '<'; order: 'ASC' | 'DESC' } {
  const ascending = (order === 'ASC') !== request.backward;
  return { op: ascending ? '>' : '<', order: ascending ? 'ASC' : 'DESC' };
}

export function encodeCursor(value: string): string {
  return Buffer.from(value, 'utf8').toString('base64url');
}

/** What a list's cursors hold: a row's UUID, a row's bigint sequence id, or a sort key and a UUID (see sortCursor). */
export type CursorKind = 'uuid' | 'bigint' | 'sorted';

const CURSOR_FORMS: Record<CursorKind, (value: string) => boolean> = {
  uuid: isUuid,
  bigint: (value) => /^[1-9]\d{0,18}$/.test(value) && BigInt(value) <= 9_223_372_036_854_775_807n,
  sorted: (value) => {
    try {
      const parsed: unknown = JSON.parse(value);
      return Array.isArray(parsed) && parsed.length === 2 && (parsed[0] === null || (typeof parsed[0] === 'string' && parsed[0].length <= 1_000)) && typeof parsed[1] === 'string' && isUuid(parsed[1]);
    } catch {
      return false;
    }
  },
};

/** A cursor of a list ordered by a key other than the id: the row's key (as SQL text) and its id. */
export function sortCursor(sortKey: string | null, id: string): string {
  return JSON.stringify([sortKey, id]);
}

/** The sort key and id inside a `sorted` cursor that pageRequest has checked. */
export function parseSortCursor(value: string): { sortKey: string | null; id: string } {
  const [sortKey, id] = JSON.parse(value) as [string | null, string];
  return { sortKey, id };
}

export enum OrderDirection {
  ASC = 'ASC',
  DESC = 'DESC',
}
registerEnumType(OrderDirection, { name: 'OrderDirection', description: 'Which way a list is ordered.', valuesConfig: { ASC: { description: 'Smallest (or earliest, or A) first.' }, DESC: { description: 'Largest (or latest, or Z) first.' } } });

/** The value inside a cursor this list wrote; anything else is refused before it reaches SQL. */
function decodeCursor(cursor: string | null | undefined, kind: CursorKind, name: 'after' | 'before'): string | null {
  if (cursor === null || cursor === undefined) return null;
  const value = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!CURSOR_FORMS[kind](value)) throw new DomainError('BAD_USER_INPUT', `${name} is not a cursor from this list`);
  return kind === 'sorted' ? value : value.toLowerCase();
}

/** Builds a connection from `rows` read as `keyset` says with limit `size + 1`. */
export function toConnection<T>(rows: T[], request: PageRequest, cursorOf: (row: T) => string, count: () => Promise<number>): Connection<T> {
  const more = rows.length > request.size;
  const page = rows.slice(0, request.size);
  if (request.backward) page.reverse();
  const edges = page.map((node) => ({ node, cursor: encodeCursor(cursorOf(node)) }));
  let total: Promise<number> | undefined;
  return {
    edges,
    pageInfo: {
      hasNextPage: !request.backward && more,
      hasPreviousPage: request.backward && more,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    get totalCount() {
      return (total ??= count());
    },
  };
}
