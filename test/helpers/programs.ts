import { TierChangeCause } from '../../src/evaluation/tier-change.entity';
import type { PublishedProgram } from '../../src/programs/program-registry';
import { enqueueRetier } from '../../src/retier/retier-runner';
import { Role } from '../../src/shared/role';
import { withTransaction } from '../../src/shared/transaction';
import { GraphQLResponse, TestApp } from './app';

const keys = new WeakMap<TestApp, Promise<{ editor: string; approver: string }>>();

function authors(app: TestApp) {
  let pair = keys.get(app);
  if (!pair) {
    pair = Promise.all([app.keyWithRoles(Role.EDITOR), app.keyWithRoles(Role.APPROVER)]).then(([editor, approver]) => ({ editor, approver }));
    keys.set(app, pair);
  }
  return pair;
}

/**
 * A new program through the whole governance flow: an EDITOR creates it (its version 1 is a
 * draft) and submits, another key approves and publishes, and the re-tier job runs. Answers
 * the tierProgramCreate response; on userErrors nothing further is done.
 */
export async function createPublishedProgram(app: TestApp, input: Record<string, unknown>): Promise<GraphQLResponse> {
  const { editor, approver } = await authors(app);
  const created = await app.gql(
    `mutation($input: TierProgramCreateInput!) { tierProgramCreate(input: $input) { program { key } draft { id revision } userErrors { code field message } } }`,
    { input },
    editor,
  );
  const payload = created.data?.tierProgramCreate;
  if (!payload || payload.userErrors.length) return created;
  await submitApprovePublish(app, payload.draft, editor, approver);
  return created;
}

/** A draft through submission (by `editor`), approval and publishing (by `approver`, another key) and its re-tier. */
export async function submitApprovePublish(app: TestApp, { id, revision }: { id: string; revision: number }, editor?: string, approver?: string): Promise<void> {
  const pair = await authors(app);
  const step = async (mutation: string, key: string) => {
    const res = await app.gql(`mutation($id: ID!, $revision: Int!) { ${mutation}(id: $id, revision: $revision) { userErrors { code message } } }`, { id, revision: revision + (mutation === 'ruleDraftApprove' ? 1 : 0) }, key);
    const errors = res.data?.[mutation]?.userErrors ?? res.errors;
    if (errors?.length) throw new Error(`${mutation}: ${JSON.stringify(errors)}`);
  };
  await step('ruleDraftSubmit', editor ?? pair.editor);
  await step('ruleDraftApprove', approver ?? pair.approver);
  const published = await app.gql(`mutation($id: ID!) { ruleDraftPublish(id: $id) { userErrors { code message } } }`, { id }, approver ?? pair.approver);
  if (published.data?.ruleDraftPublish?.userErrors?.length || published.errors) throw new Error(`ruleDraftPublish: ${JSON.stringify(published.data ?? published.errors)}`);
  await retiered(app);
}

/** Waits until no re-tier job is open (the app's runner polls; this runs one too). */
export async function retiered(app: TestApp): Promise<void> {
  for (;;) {
    await app.strata.runner.drain();
    const [{ open }] = await app.db.dataSource.query(`SELECT count(*)::int AS open FROM retier_job WHERE status IN ('PENDING', 'RUNNING')`);
    if (open === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Re-tiers every customer under the version in force from scratch, through a job as any re-tier. */
export async function retierFromScratch(app: TestApp, published: PublishedProgram): Promise<void> {
  await app.db.dataSource.query('DELETE FROM tier_assignment WHERE program_id = $1', [published.program.id]);
  await withTransaction(app.systemContext(), (tx) => enqueueRetier(tx, published.program.id, published.version.version, TierChangeCause.RULE_PUBLISH));
  await retiered(app);
}
