import { ClassType, Field, Int, ObjectType } from 'type-graphql';
import { DomainError } from './errors';
import { isUuid } from './ids';

@ObjectType()
export class PageInfo {
  @Field()
  hasNextPage: boolean;

  @Field(() => String, { nullable: true })
  endCursor: string | null;
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
  @ObjectType(`${name}Edge`)
  class EdgeType {
    @Field()
    cursor: string;

    @Field(() => node)
    node: T;
  }

  @ObjectType(`${name}Connection`)
  class ConnectionClass {
    @Field(() => [EdgeType])
    edges: EdgeType[];

    @Field(() => PageInfo)
    pageInfo: PageInfo;

    @Field(() => Int, { complexity: TOTAL_COUNT_COST, description: 'Every item the filter matches, counted in the database.' })
    totalCount: number;
  }
  return ConnectionClass;
}

export const PAGE_SIZE = { default: 20, max: 100 } as const;

export function pageSize(first: number | null | undefined): number {
  if (first === null || first === undefined) return PAGE_SIZE.default;
  if (!Number.isInteger(first) || first < 1 || first > PAGE_SIZE.max) {
    throw new DomainError('BAD_USER_INPUT', `first must be between 1 and ${PAGE_SIZE.max}, got ${first}`);
  }
  return first;
}

export function encodeCursor(value: string): string {
  return Buffer.from(value, 'utf8').toString('base64url');
}

/** What a list's cursors hold: a row's UUID, or a row's bigint sequence id. */
export type CursorKind = 'uuid' | 'bigint';

const CURSOR_FORMS: Record<CursorKind, (value: string) => boolean> = {
  uuid: isUuid,
  bigint: (value) => /^[1-9]\d{0,18}$/.test(value) && BigInt(value) <= 9_223_372_036_854_775_807n,
};

/** The value inside a cursor this list wrote; anything else is refused before it reaches SQL. */
export function decodeCursor(cursor: string | null | undefined, kind: CursorKind): string | null {
  if (cursor === null || cursor === undefined) return null;
  const value = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!CURSOR_FORMS[kind](value)) throw new DomainError('BAD_USER_INPUT', 'after is not a cursor from this list');
  return value.toLowerCase();
}

/** Builds a connection from `rows` fetched with limit `size + 1`. */
export function toConnection<T>(rows: T[], size: number, cursorOf: (row: T) => string, count: () => Promise<number>): Connection<T> {
  const page = rows.slice(0, size);
  const edges = page.map((node) => ({ node, cursor: encodeCursor(cursorOf(node)) }));
  let total: Promise<number> | undefined;
  return {
    edges,
    pageInfo: { hasNextPage: rows.length > size, endCursor: edges.length ? edges[edges.length - 1].cursor : null },
    get totalCount() {
      return (total ??= count());
    },
  };
}
