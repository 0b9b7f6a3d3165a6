import fs from 'node:fs';
import path from 'node:path';
import { Context } from '../context';
import { EntitlementDefineInput } from '../entitlements/entitlement.service';
import { FactDefineInput } from '../facts/fact.service';
import { ProgramSpec } from '../rules/program-validator';
import type { Services } from '../server';
import { documentOf } from '../programs/program.service';
import { logger } from '../shared/logger';
import { withTransaction } from '../shared/transaction';
import { UserErrors } from '../shared/user-error';

export const CATALOG_FILE = 'catalog.json';

export interface RuleFilesResult {
  created: string[];
  unchanged: string[];
  /** Programs whose file differs from the version in force: left alone at start-up, drafted by an import. */
  differing: string[];
  /** Program key → id of the draft an import opened with the file's document. */
  drafted: Record<string, string>;
}

/**
 * Loads `catalog.json` (facts and entitlements) and every other `*.json` (one program each)
 * from `dir`, in one transaction, at start-up. Idempotent: catalog entries are (re)defined,
 * programs that exist are left as they are; a new program is published and re-tiered by a job. Any invalid file stops everything with an
 * error naming the file and the problem.
 */
export function loadRuleFiles(ctx: Context, services: Services, dir: string): Promise<RuleFilesResult> {
  return applyRuleFiles(ctx, services, dir, 'warn');
}

/**
 * `npm run rules:import`: as loadRuleFiles, but a program whose file differs from the
 * version in force gets a draft with the file's document (validated as any API edit),
 * never a publish: approval still goes through the four-eyes flow.
 */
export function importRuleFiles(ctx: Context, services: Services, dir: string): Promise<RuleFilesResult> {
  return applyRuleFiles(ctx, services, dir, 'draft');
}

async function applyRuleFiles(ctx: Context, services: Services, dir: string, differing: 'warn' | 'draft'): Promise<RuleFilesResult> {
  const result: RuleFilesResult = { created: [], unchanged: [], differing: [], drafted: {} };
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json') && f !== CATALOG_FILE).sort();
  await withTransaction(ctx, async (tx) => {
    await loadCatalog(tx, services, dir);
    for (const file of files) {
      const filePath = path.join(dir, file);
      const spec = readJson(filePath) as ProgramSpec;
      const existing = await services.programs.published(tx, spec.key);
      if (!existing) {
        // The system publishes a file's new program itself (audited as such); its customers
        // are assigned by the re-tier job, as after any publish.
        const program = await explained(filePath, '', () => services.programs.create(tx, spec, []));
        await services.publisher.publish(tx, program, documentOf(spec), 'ruleFilePublish', { file: path.basename(filePath) });
        result.created.push(spec.key);
      } else if (canonical(documentOf(spec)) === canonical(existing.version.document)) {
        result.unchanged.push(spec.key);
      } else if (differing === 'draft') {
        const draft = await explained(filePath, '', () => services.drafts.create(tx, spec.key));
        await explained(filePath, '', () => services.drafts.update(tx, draft.id, draft.revision, { appliesTo: spec.appliesTo ?? null, tiers: spec.tiers, ...(spec.timePolicy ? { timePolicy: spec.timePolicy } : {}) }));
        result.differing.push(spec.key);
        result.drafted[spec.key] = draft.id;
      } else {
        logger.warn({ file: filePath, program: spec.key }, 'rule file differs from the version in force; it was not applied (npm run rules:import opens a draft)');
        result.differing.push(spec.key);
      }
    }
  });
  return result;
}

export interface ExportResult {
  files: string[];
}

/**
 * Writes the catalog and every program's version in force to `dir`, one file each, in
 * the shape loadRuleFiles and importRuleFiles read: rule changes can go through review.
 */
export async function exportRuleFiles(ctx: Context, services: Services, dir: string): Promise<ExportResult> {
  fs.mkdirSync(dir, { recursive: true });
  const write = (file: string, value: unknown) => {
    fs.writeFileSync(path.join(dir, file), JSON.stringify(value, null, 2) + '\n');
    return file;
  };
  const [facts, entitlements, programs] = await Promise.all([services.facts.list(ctx), services.entitlements.list(ctx), ctx.loaders.programs()]);
  const files = [
    write(CATALOG_FILE, {
      facts: facts.map((f) => ({ key: f.key, type: f.type, description: f.description, unit: f.unit })),
      entitlements: entitlements.map((e) => ({ key: e.key, name: e.name, description: e.description, valueType: e.valueType, better: e.better, unit: e.unit })),
    }),
  ];
  for (const { program, version } of programs) {
    files.push(write(`${program.key}.json`, { key: program.key, name: program.name, description: program.description, ...version.document }));
  }
  return { files };
}

async function loadCatalog(tx: Context, services: Services, dir: string): Promise<void> {
  const catalogPath = path.join(dir, CATALOG_FILE);
  if (!fs.existsSync(catalogPath)) return;
  const catalog = readJson(catalogPath) as { facts?: FactDefineInput[]; entitlements?: EntitlementDefineInput[] };
  for (const [i, fact] of (catalog.facts ?? []).entries()) {
    await explained(catalogPath, `facts[${i}]`, () => services.facts.define(tx, fact));
  }
  for (const [i, entitlement] of (catalog.entitlements ?? []).entries()) {
    await explained(catalogPath, `entitlements[${i}]`, () => services.entitlements.define(tx, entitlement));
  }
}

function readJson(file: string): unknown {
  const text = fs.readFileSync(file, 'utf8');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${file}: not valid JSON: ${(error as Error).message}`);
  }
}

async function explained<T>(file: string, where: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof UserErrors)) throw error;
    const problems = error.errors.map((e) => {
      const field = [where, ...(e.field ?? []).filter((f) => f !== 'input')].filter(Boolean).join('.');
      return `${field ? field + ': ' : ''}${e.message}`;
    });
    throw new Error(`${file}: ${problems.join('; ')}`);
  }
}

/** JSON with sorted keys, so key order in a file does not count as a difference. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
}
