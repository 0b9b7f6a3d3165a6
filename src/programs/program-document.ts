import type { ConditionNode } from '../engine';
import { ProgramDocument } from './rule-set-version.entity';

/** A condition no customer meets (json-rules-engine's `any: []` is true, so not that). */
export const COVERS_NOBODY: ConditionNode = { not: { all: [] } } as never;

/**
 * Whom a document's program covers, as the engine takes it: a retired program covers
 * nobody, so every path that classifies (reads, re-tier, impact preview) drops its
 * customers the way it drops those its appliesTo rejects. Null covers everyone.
 */
export function appliesToOf(document: ProgramDocument): ConditionNode | null {
  if (document.retired) return COVERS_NOBODY;
  return (document.appliesTo as ConditionNode | null) ?? null;
}
