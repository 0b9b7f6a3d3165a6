import 'reflect-metadata';
import { createDataSource } from './src/database/data-source';

/** For the TypeORM CLI (`npx typeorm -d dist/ormconfig.js migration:show`); needs DATABASE_URL. */
export default createDataSource({ url: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/strata' });
