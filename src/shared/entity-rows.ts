import { EntityManager } from 'typeorm';

/*
 * Plain SQL into entity instances, for the reads every API call makes by the hundred
 * (customers, grants, overrides): TypeORM's query building and hydration took more Node
 * time than PostgreSQL took to answer (docs/benchmarks.md, API). The column lists come from
 * TypeORM's metadata, so the entities stay the one description of each table.
 */

type Constructor = new () => object;

const lists = new Map<string, string>();

/** Every column of `entity` as `alias."column" AS "prefix" + property`. */
export function entityColumns(db: EntityManager, entity: Constructor, alias: string, prefix = ''): string {
  const key = `${entity.name}\u0000${alias}\u0000${prefix}`;
  let list = lists.get(key);
  if (!list) {
    list = db.connection
      .getMetadata(entity)
      .columns.map((c) => `${alias}."${c.databaseName}" AS "${prefix}${c.propertyPath}"`)
      .join(', ');
    lists.set(key, list);
  }
  return list;
}

/**
 * Runs `sql` (selecting `entityColumns`) and builds one `entity` per row; columns selected
 * with the prefix `relation.` fill that relation with an instance of `relations[relation]`.
 */
export async function queryEntities<T extends object>(
  db: EntityManager,
  entity: new () => T,
  sql: string,
  params: unknown[],
  relations: Record<string, Constructor> = {},
): Promise<T[]> {
  const rows: Record<string, unknown>[] = await db.query(sql, params);
  return rows.map((row) => {
    const target = new entity() as Record<string, unknown>;
    for (const column in row) {
      const dot = column.indexOf('.');
      if (dot < 0) {
        target[column] = row[column];
      } else {
        const relation = column.slice(0, dot);
        const nested = (target[relation] ??= new relations[relation]()) as Record<string, unknown>;
        nested[column.slice(dot + 1)] = row[column];
      }
    }
    return target as T;
  });
}
