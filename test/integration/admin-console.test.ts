import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../../scripts/chromium';
import { LABELS } from '../../src/admin/labels';
import { CONSOLE_CSP } from '../../src/console';
import { Role } from '../../src/shared/role';
import { TestApp, startTestApp } from '../helpers/app';
import { submitApprovePublish } from '../helpers/programs';
import { startReceiver } from '../helpers/receiver';

const SCREENSHOTS = path.resolve('test-output/admin-console');

describe('the console at /admin, in a real browser', () => {
  let app: TestApp;
  let browser: Browser;
  let base: string;
  const problems: string[] = [];

  beforeAll(async () => {
    app = await startTestApp();
    base = app.url.replace(/\/graphql$/, '');
    const inputs = Array.from({ length: 30 }, (_, i) => ({
      externalId: `console-${i}`,
      name: `Customer ${i}`,
      facts: { customerType: 'individual', balance: [600_000, 250_000, 60_000, 20_000, 1_000][i % 5] },
    }));
    // Ten companies in LARGE (annual sales of at least 300,000,000 CNY).
    for (let i = 0; i < 10; i += 1) inputs.push({ externalId: `company-${i}`, name: `Company ${i}`, facts: { customerType: 'corporate', annualSales: 350_000_000 } as never });
    const loaded = await app.gql(`mutation($inputs: [CustomerUpsertInput!]!) { customersUpsert(inputs: $inputs) { results { userErrors { message } } } }`, { inputs });
    expect(loaded.errors).toBeUndefined();
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  /** A fresh page that records every script error, CSP refusal and request to another origin. */
  async function openConsole(): Promise<Page> {
    const page = await browser.newPage({ locale: 'en-US' });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error' && !/401/.test(message.text())) problems.push(`console: ${message.text()}`);
    });
    page.on('request', (request) => {
      if (!request.url().startsWith(base) && !request.url().startsWith('data:')) problems.push(`request to another origin: ${request.url()}`);
    });
    const response = await page.goto(`${base}/admin/`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toBe(CONSOLE_CSP);
    return page;
  }

  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
  /** The page from its top to the bottom of `last`: the pictures the README shows are taken from these. */
  const shotDownTo = async (page: Page, name: string, last: string) => {
    const bottom: number = await page.locator(last).evaluate((element: any) => element.getBoundingClientRect().bottom + (globalThis as any).scrollY);
    await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true, clip: { x: 0, y: 0, width: page.viewportSize()!.width, height: Math.ceil(bottom + 16) } });
  };

  /** Adds a test case on the open draft page with typed facts, and waits for its row. */
  async function addTestCase(page: Page, name: string, facts: [string, string][], expected: string) {
    const cases = page.locator('.test-cases');
    await cases.getByLabel('Name').fill(name);
    for (const [i, [fact, value]] of facts.entries()) {
      if ((await cases.getByLabel(`Fact ${i + 1}`).count()) === 0) await cases.getByRole('button', { name: '+ fact' }).click();
      await cases.getByLabel(`Fact ${i + 1}`).selectOption(fact);
      await cases.getByLabel(`Value ${i + 1}`).fill(value);
    }
    await cases.getByLabel('Must get').selectOption(expected);
    await cases.getByRole('button', { name: 'Add test case' }).click();
    await cases.locator(`tr[data-case="${name}"]`).waitFor();
  }

  /** A section of the main navigation: program names on the page may hold the same words ("Telecom group customers"). */
  function navLink(page: Page, name: string) {
    return page.getByRole('navigation', { name: 'main' }).getByRole('link', { name, exact: true });
  }

  async function signIn(page: Page, key: string) {
    await page.getByLabel('API key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  it('signs a VIEWER in, shows every program with its distribution as the API counts it, read only', async () => {
    const viewer = await app.keyWithRoles(Role.VIEWER);
    const page = await openConsole();
    await shot(page, '01-sign-in');
    await signIn(page, viewer);
    await page.getByRole('heading', { name: 'Programs' }).waitFor();
    await page.locator('[data-program="retail-bank"] tbody tr').first().waitFor();
    await shot(page, '02-programs');
    expect(await page.getByText('Read only: this key may view, not change.').isVisible()).toBe(true);

    const api = await app.gql(`{ tierPrograms { key distribution { tierKey count } } }`);
    for (const program of api.data.tierPrograms as { key: string; distribution: { tierKey: string | null; count: number }[] }[]) {
      const rows = await page.locator(`[data-program="${program.key}"] tbody tr`).evaluateAll((trs: any[]) =>
        trs.map((tr) => ({ tierKey: tr.getAttribute('data-tier') || null, count: Number(tr.children[1].textContent!.replace(/[^0-9]/g, '')) })),
      );
      expect([program.key, [...rows].sort(byKey)]).toEqual([program.key, [...program.distribution].sort(byKey)]);
    }
    const retail = await page.locator('[data-program="retail-bank"] tbody tr[data-tier="A"] td').allTextContents();
    expect(retail).toEqual(['High-end (A)', '6', '20%']);
    // The key lives in sessionStorage, never in the address.
    expect(page.url()).not.toContain(viewer);
    expect(await page.evaluate(() => (globalThis as any).sessionStorage.getItem('strata.apiKey'))).toBe(viewer);
    expect(await page.getByRole('button', { name: 'New program' }).count()).toBe(0);

    // A draft someone else opened: drafts are for EDITORs and APPROVERs; the page says so and offers nothing.
    const editor = await app.keyWithRoles(Role.EDITOR);
    const opened = await app.gql(`mutation { ruleDraftCreate(programKey: "telecom-group") { draft { id revision } } }`, {}, editor);
    const draft = opened.data.ruleDraftCreate.draft;
    await page.goto(`${base}/admin/drafts/${draft.id}`);
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toBe('this operation needs the EDITOR or APPROVER role');
    expect(await page.locator('main button').count()).toBe(0);
    expect(await navLink(page, 'Audit log').count()).toBe(0);
    await navLink(page, 'Catalogs').click();
    await page.locator('tr[data-fact="balance"]').waitFor();
    expect(await page.getByRole('form').count()).toBe(0);
    // The same mutation made by hand with the VIEWER's key, from the console's page: refused.
    const handMade = await page.evaluate(
      async ({ key, id, revision }) => {
        const res = await fetch('/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
          body: JSON.stringify({ query: `mutation($id: ID!, $r: Int!) { ruleDraftDiscard(id: $id, revision: $r) { draft { status } } }`, variables: { id, r: revision } }),
        });
        return { status: res.status, body: (await res.json()) as { errors: { extensions: { code: string } }[] } };
      },
      { key: viewer, id: draft.id, revision: draft.revision },
    );
    expect(handMade.body.errors[0].extensions.code).toBe('FORBIDDEN');
    const still = await app.gql(`query($id: ID!) { ruleDraft(id: $id) { status } }`, { id: draft.id });
    expect(still.data.ruleDraft.status).toBe('EDITING');
    await app.gql(`mutation($id: ID!, $r: Int!) { ruleDraftDiscard(id: $id, revision: $r) { userErrors { message } } }`, { id: draft.id, r: draft.revision }, editor);
    await page.close();
    expect(problems).toEqual([]);
  });

  it('returns to sign-in with a clear message for an unknown key and for a key revoked while signed in', async () => {
    const page = await openConsole();
    await signIn(page, 'sk_not-a-key');
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toBe('Strata refused this API key: it is unknown, expired or revoked. Sign in with a valid key.');

    const key = await app.keyWithRoles(Role.EDITOR);
    await signIn(page, key);
    await page.getByRole('heading', { name: 'Programs' }).waitFor();
    expect(await page.getByText('Read only').count()).toBe(0);
    const { data } = await app.gql(`{ apiKeys { id name } }`);
    const ids = (data.apiKeys as { id: string }[]).map((k) => k.id);
    const mine = await app.gql(`{ viewer { keyId } }`, {}, key);
    expect(ids).toContain(mine.data.viewer.keyId);
    await app.gql(`mutation($id: ID!) { apiKeyRevoke(id: $id) { userErrors { message } } }`, { id: mine.data.viewer.keyId });
    await page.reload();
    await page.getByRole('alert').waitFor();
    await shot(page, '03-revoked');
    expect(await page.getByLabel('API key').isVisible()).toBe(true);
    expect(await page.getByRole('alert').textContent()).toMatch(/^Strata refused this API key: .* revoked/);
    expect(await page.evaluate(() => (globalThis as any).sessionStorage.getItem('strata.apiKey'))).toBeNull();
    await page.close();
    expect(problems).toEqual([]);
  });

  it("shows a program's ladder in words, its versions with what changed, and rolls back with a confirm while the re-tier bar runs to done", async () => {
    // Version 2 raises tier A from 500,000 to 600,000, through the four-eyes flow.
    const editor = await app.keyWithRoles(Role.EDITOR);
    const opened = await app.gql(`mutation { ruleDraftCreate(programKey: "retail-bank") { draft { id revision document } } }`, {}, editor);
    const { id, document } = opened.data.ruleDraftCreate.draft;
    document.tiers[0].conditions = { all: [{ fact: 'balance', operator: 'greaterThanInclusive', value: 600_000 }] };
    const updated = await app.gql(`mutation($id: ID!, $d: JSONObject!) { ruleDraftUpdate(id: $id, revision: 1, document: $d) { draft { revision } userErrors { message } } }`, { id, d: document }, editor);
    expect(updated.data.ruleDraftUpdate.userErrors).toEqual([]);
    await submitApprovePublish(app, { id, revision: 2 }, editor);

    const viewerPage = await openConsole();
    await signIn(viewerPage, await app.keyWithRoles(Role.VIEWER));
    await viewerPage.getByRole('link', { name: 'Retail bank (by assets under management)' }).click();
    await viewerPage.getByRole('heading', { name: 'Versions' }).waitFor();
    expect(await viewerPage.getByRole('button', { name: /Roll back/ }).count()).toBe(0);
    await viewerPage.close();

    const page = await openConsole();
    await signIn(page, await app.keyWithRoles(Role.APPROVER));
    await page.getByRole('link', { name: 'Retail bank (by assets under management)' }).click();
    await page.getByRole('heading', { name: 'Ladder' }).waitFor();
    expect(page.url()).toBe(`${base}/admin/programs/retail-bank`);
    const tierA = page.locator('.ladder tr[data-tier="A"] td');
    expect(await tierA.nth(2).textContent()).toBe('balance at least 600,000');
    expect(await tierA.nth(3).textContent()).toContain('50 %');
    expect(await page.locator('.ladder tr[data-tier="D"] td').nth(2).textContent()).toBe('every customer');
    const v2 = page.locator('.versions li[data-version="2"]');
    expect(await v2.textContent()).toMatch(/v2.*in force.*published by test APPROVER · approved by test APPROVER/);
    await v2.getByRole('button', { name: 'Changes from v1' }).click();
    await v2.locator('del').first().waitFor();
    expect([await v2.locator('del').first().textContent(), await v2.locator('ins').first().textContent()]).toEqual(['balance ≥ 500,000', 'balance ≥ 600,000']);
    await shot(page, '05-program');

    page.once('dialog', (dialog) => void dialog.accept());
    await page.locator('.versions li[data-version="1"]').getByRole('button', { name: 'Roll back to v1' }).click();
    await page.locator('[data-status="DONE"]').waitFor();
    await page.locator('.versions li[data-version="3"]').waitFor();
    expect(await page.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('100');
    expect(await page.locator('.ladder tr[data-tier="A"] td').nth(2).textContent()).toBe('balance at least 500,000');
    await shot(page, '06-rolled-back');
    const program = await app.gql(`{ tierProgram(key: "retail-bank") { publishedVersion { version publishedBy approvedBy } } }`);
    expect(program.data.tierProgram.publishedVersion).toEqual({ version: 3, publishedBy: 'test APPROVER', approvedBy: null });
    await page.close();
    expect(problems).toEqual([]);
  });

  it('takes a draft from an invalid edit, shown at its condition, through submit, a refused self-approval, approval and publish to a finished re-tier', async () => {
    const lead = await app.keyWithRoles(Role.EDITOR, Role.APPROVER);
    const page = await openConsole();
    await signIn(page, lead);
    await page.getByRole('link', { name: 'Corporate banking (by size)' }).click();
    await page.getByRole('button', { name: 'Open a draft' }).click();
    await page.getByRole('heading', { name: 'Draft of Corporate banking (by size)' }).waitFor();
    expect(page.url()).toMatch(new RegExp(`^${base}/admin/drafts/[0-9a-f-]{36}$`));

    // LARGE: annualSales at least 300,000,000. Clearing the number is refused at that rule.
    const large = page.locator('.tier-editor[data-tier="LARGE"]');
    expect(await large.locator('.summary').textContent()).toBe('annualSales at least 300,000,000');
    const value = large.locator('.rule-value');
    await value.fill('');
    await large.getByRole('button', { name: 'Save tier' }).click();
    await large.locator('.rule-problem').waitFor();
    expect(await large.locator('.rule-problem').textContent()).toMatch(/annualSales.*expected a finite number/);
    expect(await large.locator('.rule.queryBuilder-invalid').count()).toBe(1);
    await shot(page, '07-draft-invalid');

    // Before the edit nobody moves: the ten companies stay in LARGE.
    const matrix = page.locator('.matrix');
    expect(await matrix.locator('td[data-from="LARGE"][data-to="LARGE"] .count').textContent()).toBe('10');

    await value.fill('400000000');
    await large.getByRole('button', { name: 'Save tier' }).click();
    await page.getByText('revision 2').waitFor();
    // react-querybuilder applies a new validation map a render after the answer arrives.
    await large.locator('.rule-problem').waitFor({ state: 'detached', timeout: 5_000 });
    expect(await large.locator('.summary').textContent()).toBe('annualSales at least 400,000,000');
    // The matrix is simulated again for the saved revision: the companies fall to MEDIUM.
    await matrix.locator('td[data-from="LARGE"][data-to="MEDIUM"] .count').waitFor();
    expect(await matrix.locator('td[data-from="LARGE"][data-to="MEDIUM"]').innerText()).toBe('10 25%');
    expect(await page.locator('.impact .help').textContent()).toMatch(/^10 of 40 customers would change tier/);
    expect(await matrix.locator('td[data-from="∅"][data-to="∅"] .count').textContent()).toBe('30');
    await matrix.locator('td[data-from="LARGE"][data-to="MEDIUM"] button').click();
    expect(await page.locator('.cell-detail').textContent()).toMatch(/Large \(LARGE\) → Medium \/ above scale \(MEDIUM\): 10 customers.*Lost: .*For example: Company/);
    await shot(page, '08-impact');

    // A failing test case blocks submitting; removed, a passing one lets it through.
    const cases = page.locator('.test-cases');
    const addCase = (name: string, expected: string) => addTestCase(page, name, [['customerType', 'corporate'], ['annualSales', '350000000']], expected);
    await addCase('a 350M company stays large', 'LARGE');
    const failing = cases.locator('tr[data-case="a 350M company stays large"] td');
    expect(await failing.allTextContents()).toEqual(['a 350M company stays large', 'annualSales: 350,000,000; customerType: corporate', 'Large (LARGE)', 'Medium / above scale (MEDIUM)', '✗', 'Remove']);
    expect(await page.getByRole('button', { name: 'Submit for approval' }).isDisabled()).toBe(true);
    await shot(page, '08b-failing-case');
    await cases.locator('tr[data-case="a 350M company stays large"]').getByRole('button', { name: 'Remove' }).click();
    await cases.locator('tr[data-case]').first().waitFor({ state: 'detached' });
    await addCase('a 350M company is medium', 'MEDIUM');
    expect(await cases.locator('tr[data-case="a 350M company is medium"] td').nth(4).textContent()).toBe('✓');
    expect(await page.getByRole('button', { name: 'Submit for approval' }).isDisabled()).toBe(false);

    await page.getByRole('button', { name: 'Submit for approval' }).click();
    await page.locator('[data-status="SUBMITTED"]').waitFor();
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toMatch(/helped write this draft, so a key that did not must approve it/);
    expect(await page.locator('[data-status="SUBMITTED"]').count()).toBe(1);
    await shot(page, '09-self-approval');
    await page.close();

    const other = await openConsole();
    await signIn(other, await app.keyWithRoles(Role.APPROVER));
    await other.goto(page.url());
    await other.getByRole('button', { name: 'Approve' }).click();
    await other.locator('[data-status="APPROVED"]').waitFor();
    await other.getByRole('button', { name: 'Publish' }).click();
    await other.locator('[data-status="PUBLISHED"]').waitFor();
    await other.locator('.job [data-status="DONE"]').waitFor();
    await shot(other, '10-published');
    const program = await app.gql(`{ tierProgram(key: "corporate-banking") { publishedVersion { version } tiers { key conditions } } }`);
    expect(program.data.tierProgram.tiers.find((t: { key: string }) => t.key === 'LARGE').conditions).toEqual({ all: [{ fact: 'annualSales', operator: 'greaterThanInclusive', value: 400_000_000 }] });
    // The published draft shows what it changed, not a simulation against itself.
    expect(await other.locator('.draft-diff li[data-tier="LARGE"]').textContent()).toBe('LARGE changed rule: annualSales ≥ 300,000,000 → annualSales ≥ 400,000,000');
    expect(await other.locator('.draft-diff del').first().textContent()).toBe('annualSales ≥ 300,000,000');
    expect(await other.locator('.impact').count()).toBe(0);

    await other.close();
    expect(problems).toEqual([]);
  });

  it('keeps what was typed when someone else saved first, says who, reloads on request, and discards with a confirm', async () => {
    const editor = await app.keyWithRoles(Role.EDITOR);
    const page = await openConsole();
    await signIn(page, editor);
    await page.getByRole('link', { name: /^Telecom group/ }).click();
    await page.getByRole('button', { name: 'Open a draft' }).click();
    await page.getByRole('heading', { name: /^Draft of Telecom group/ }).waitFor();
    const draftId = page.url().split('/').pop()!;

    // Another editor renames tier C while this page is open.
    const other = await app.keyWithRoles(Role.EDITOR, Role.INTEGRATOR);
    const { data } = await app.gql(`query($id: ID!) { ruleDraft(id: $id) { revision tiers { key name rank conditions entitlements { key value } } } }`, { id: draftId }, other);
    const c = data.ruleDraft.tiers.find((t: { key: string }) => t.key === 'C');
    const renamed = await app.gql(
      `mutation($id: ID!, $tier: TierInput!) { ruleDraftTierUpdate(id: $id, revision: 1, tierKey: "C", tier: $tier) { draft { revision } userErrors { message } } }`,
      { id: draftId, tier: { ...c, name: 'C (renamed)' } },
      other,
    );
    expect(renamed.data.ruleDraftTierUpdate.userErrors).toEqual([]);

    const a1 = page.locator('.tier-editor[data-tier="A1"]');
    const score = a1.locator('input.rule-value[type="number"]');
    await score.fill('60');
    await a1.getByRole('button', { name: 'Save tier' }).click();
    await page.locator('.notice.stale').waitFor();
    expect(await page.locator('.notice.stale').textContent()).toMatch(/^test EDITOR\+INTEGRATOR saved this draft since you opened it \(now revision 2\)\./);
    expect(await score.inputValue()).toBe('60');
    await shot(page, '12-stale');
    await page.getByRole('button', { name: 'Reload the draft (your edits stay)' }).click();
    expect(await score.inputValue()).toBe('60');
    await a1.getByRole('button', { name: 'Save tier' }).click();
    await page.getByText('revision 3').waitFor();
    const saved = await app.gql(`query($id: ID!) { ruleDraft(id: $id) { tiers { key name conditions } } }`, { id: draftId });
    const tiers = saved.data.ruleDraft.tiers as { key: string; name: string; conditions: { all: { fact: string; value: unknown }[] } }[];
    expect(tiers.find((t) => t.key === 'A1')!.conditions.all.find((l) => l.fact === 'valueScore')!.value).toBe(60);
    expect(tiers.find((t) => t.key === 'C')!.name).toBe('C (renamed)');

    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Discard the draft' }).click();
    await page.getByRole('heading', { name: 'Ladder' }).waitFor();
    const discarded = await app.gql(`query($id: ID!) { ruleDraft(id: $id) { status } }`, { id: draftId });
    expect(discarded.data.ruleDraft.status).toBe('DISCARDED');
    await page.close();
    expect(problems).toEqual([]);
  });

  it("walks a product owner's whole flow by clicking: an invalid edit shown at its condition and fixed, a gap drawn and closed, tiers added and re-ranked, test cases, the impact matrix, four-eyes approval, publish, the diff, the audit entry and a roll back", async () => {
    const lead = await app.keyWithRoles(Role.EDITOR, Role.APPROVER);
    const page = await openConsole();
    await signIn(page, lead);
    await page.getByRole('link', { name: 'Retail bank (by assets under management)' }).click();
    await page.getByRole('button', { name: 'Open a draft' }).click();
    await page.getByRole('heading', { name: 'Draft of Retail bank (by assets under management)' }).waitFor();

    // Tier A's threshold cleared: refused, at that rule. Fixed at 700,000: the six customers at 600,000 fall to A_SUB.
    const a = page.locator('.tier-editor[data-tier="A"]');
    await a.locator('.rule-value').fill('');
    await a.getByRole('button', { name: 'Save tier' }).click();
    await a.locator('.rule-problem').waitFor();
    expect(await a.locator('.rule-problem').textContent()).toMatch(/balance.*expected a finite number/);
    await a.locator('.rule-value').fill('700000');
    await a.getByRole('button', { name: 'Save tier' }).click();
    await page.getByText('revision 2').waitFor();
    await a.locator('.rule-problem').waitFor({ state: 'detached', timeout: 5_000 });
    expect(await a.locator('.summary').textContent()).toBe('balance at least 700,000');
    const matrix = page.locator('.matrix');
    await matrix.locator('td[data-from="A"][data-to="A_SUB"] .count').waitFor();
    expect(await matrix.locator('td[data-from="A"][data-to="A_SUB"] .count').textContent()).toBe('6');

    const balance = page.locator('figure.number-line[data-fact="balance"]');
    expect(await balance.locator('figcaption').textContent()).toBe('balance every value has a tier');
    expect(await balance.locator('.line-row.tier').evaluateAll((rows: any[]) => rows.map((r) => r.getAttribute('data-tier')))).toEqual(['A', 'A_SUB', 'B', 'C', 'D']);

    // Without the fallback tier D, balances below 10,000 get no tier: a red band, the warning, and D's six customers leave the program's tiers.
    page.once('dialog', (dialog) => void dialog.accept());
    await page.locator('.tier-editor[data-tier="D"]').getByRole('button', { name: 'Remove tier' }).click();
    await page.locator('.tier-editor[data-tier="D"]').waitFor({ state: 'detached' });
    await balance.locator('.gap .band[data-gap="< 10,000"]').waitFor();
    expect(await balance.locator('figcaption').textContent()).toBe('balance No tier for < 10,000');
    expect(await page.locator('.validation .warning[data-code="COVERAGE_GAP"]').textContent()).toMatch(/balance below 10,000 match no tier/);
    await matrix.locator('td[data-from="D"][data-to="-"] .count').waitFor();
    expect(await matrix.locator('td[data-from="D"][data-to="-"] .count').textContent()).toBe('6');
    await shot(page, '13-gap-band');
    await shotDownTo(page, 'readme-draft', '.impact');

    // A new tier goes to the bottom, taking everyone left: the gap closes.
    await page.locator('.add-tier').getByLabel('Key').fill('BASIC');
    await page.locator('.add-tier').getByLabel('Name').fill('Basic');
    await page.locator('.add-tier').getByRole('button', { name: 'Add a tier' }).click();
    const basic = page.locator('.tier-editor[data-tier="BASIC"]');
    await basic.waitFor();
    expect(await basic.locator('.summary').textContent()).toBe('every customer');
    await balance.locator('.gap').waitFor({ state: 'detached' });
    const order = () => page.locator('.tier-editor[data-tier]').evaluateAll((editors: any[]) => editors.map((e) => e.getAttribute('data-tier')));
    expect(await order()).toEqual(['A', 'A_SUB', 'B', 'C', 'BASIC']);

    // Moved above C, BASIC takes C's customers too and C can never match; moved back, it cannot.
    await page.getByRole('button', { name: 'Move BASIC up' }).click();
    await page.locator('.validation .warning[data-code="UNREACHABLE_TIER"]').waitFor();
    expect(await order()).toEqual(['A', 'A_SUB', 'B', 'BASIC', 'C']);
    expect(await page.locator('.validation .warning[data-code="UNREACHABLE_TIER"]').textContent()).toMatch(/tier C can never match/);
    await page.getByRole('button', { name: 'Move BASIC down' }).click();
    await page.locator('.validation .warning[data-code="UNREACHABLE_TIER"]').waitFor({ state: 'detached' });
    expect(await order()).toEqual(['A', 'A_SUB', 'B', 'C', 'BASIC']);

    // Renamed and given two entitlements, saved as one tier.
    await basic.getByLabel('Name', { exact: true }).fill('Basic banking');
    for (const [key, value] of [['selfService', null], ['responseHours', '48']] as const) {
      await basic.getByLabel('Add an entitlement').selectOption(key);
      await basic.getByRole('button', { name: 'Add', exact: true }).click();
      if (value) await basic.locator(`li[data-entitlement="${key}"] input`).fill(value);
    }
    await basic.getByRole('button', { name: 'Save tier' }).click();
    await page.locator('.tier-editor[data-tier="BASIC"] h3', { hasText: 'Basic banking' }).waitFor();
    const draftId = page.url().split('/').pop()!;
    const { data } = await app.gql(`query($id: ID!) { ruleDraft(id: $id) { tiers { key name rank conditions entitlements { key value } } } }`, { id: draftId });
    expect(data.ruleDraft.tiers.find((t: { key: string }) => t.key === 'BASIC')).toEqual({
      key: 'BASIC',
      name: 'Basic banking',
      rank: 0,
      conditions: { all: [] },
      entitlements: [
        { key: 'selfService', value: true },
        { key: 'responseHours', value: 48 },
      ],
    });
    // The matrix counts the seeded customers: 6 from A to A_SUB, the 6 of D to BASIC, everyone else stays
    // (waited for: the simulations of the moves up and down may still be answering).
    await page.locator('.impact .help', { hasText: /^12 of \d+ customers would change tier/ }).waitFor();
    expect(await matrix.locator('td[data-from="D"][data-to="BASIC"] .count').textContent()).toBe('6');
    expect(await matrix.locator('td[data-from="A"][data-to="A_SUB"] .count').textContent()).toBe('6');

    // A failing test case blocks submitting; removed, a passing one lets it through.
    const cases = page.locator('.test-cases');
    const addCase = (name: string, expected: string) => addTestCase(page, name, [['customerType', 'individual'], ['balance', '650000']], expected);
    await addCase('650k stays high-end', 'A');
    const failing = cases.locator('tr[data-case="650k stays high-end"] td');
    expect(await failing.allTextContents()).toEqual(['650k stays high-end', 'balance: 650,000; customerType: individual', 'High-end (A)', 'High-end (200k-500k sub-band) (A_SUB)', '✗', 'Remove']);
    expect(await page.getByRole('button', { name: 'Submit for approval' }).isDisabled()).toBe(true);
    await shot(page, '13b-failing-case');
    await cases.locator('tr[data-case="650k stays high-end"]').getByRole('button', { name: 'Remove' }).click();
    await cases.locator('tr[data-case]').first().waitFor({ state: 'detached' });
    await addCase('650k is the sub-band', 'A_SUB');
    expect(await cases.locator('tr[data-case="650k is the sub-band"] td').nth(4).textContent()).toBe('✓');

    // The diff against the version in force names every change.
    const diff = page.locator('.draft-diff');
    expect(await diff.locator('li[data-tier="A"]').first().textContent()).toBe('A changed rule: balance ≥ 500,000 → balance ≥ 700,000');
    expect(await diff.locator('li[data-tier="D"]').first().textContent()).toMatch(/^D removed/);
    expect(await diff.locator('li[data-tier="BASIC"]').first().textContent()).toMatch(/^BASIC added/);
    await shot(page, '14-ladder-edited');

    // Submitted; the same key, an APPROVER too, is refused approval in words.
    await page.getByRole('button', { name: 'Submit for approval' }).click();
    await page.locator('[data-status="SUBMITTED"]').waitFor();
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toMatch(/helped write this draft, so a key that did not must approve it/);
    await shot(page, '14a-self-approval');
    await page.close();

    // Another APPROVER approves and publishes; the re-tier bar runs to done.
    const other = await openConsole();
    await signIn(other, await app.keyWithRoles(Role.APPROVER));
    await other.goto(`${base}/admin/drafts/${draftId}`);
    await other.getByRole('button', { name: 'Approve' }).click();
    await other.locator('[data-status="APPROVED"]').waitFor();
    await other.getByRole('button', { name: 'Publish' }).click();
    await other.locator('[data-status="PUBLISHED"]').waitFor();
    await other.locator('.job [data-status="DONE"]').waitFor();
    const published = await app.gql(`{ tierProgram(key: "retail-bank") { publishedVersion { version } distribution { tierKey count } } }`);
    const inForce: number = published.data.tierProgram.publishedVersion.version;
    const count = (tierKey: string) => published.data.tierProgram.distribution.find((d: { tierKey: string }) => d.tierKey === tierKey)?.count ?? 0;
    expect([count('A'), count('A_SUB'), count('BASIC'), count('D')]).toEqual([0, 12, 6, 0]);
    // The published draft shows what it changed, not a simulation against itself.
    expect(await other.locator('.draft-diff li[data-tier="A"]').first().textContent()).toBe('A changed rule: balance ≥ 500,000 → balance ≥ 700,000');
    expect(await other.locator('.impact').count()).toBe(0);
    await shot(other, '14c-published');

    // The audit log has the publish, its before and after as the rules' diff; tiers named by key.
    await navLink(other, 'Audit log').click();
    await other.getByLabel('Action').selectOption('ruleDraftPublish');
    await other.getByRole('button', { name: 'Search' }).click();
    const entry = other.locator('.audit-event[data-entity="PROGRAM:retail-bank"]').first();
    await entry.waitFor();
    expect(await entry.locator('.audit-line').textContent()).toMatch(/test APPROVER · draft published · program retail-bank/);
    await entry.getByRole('button', { name: 'What changed' }).click();
    expect(await entry.locator('tr[data-path="document.tiers.A.conditions.all.0.value"] td').allTextContents()).toEqual(['document › tiers › A › conditions › all › 0 › value', '500,000', '700,000']);
    expect(await entry.locator('tr[data-path="document.tiers.D"] td').allTextContents()).toEqual(['document › tiers › D', expect.stringMatching(/Mass/), '']);
    expect(await entry.locator('tr[data-path="document.tiers.BASIC"] td').allTextContents()).toEqual(['document › tiers › BASIC', '', expect.stringMatching(/Basic banking/)]);
    await shot(other, '14d-audit');

    // Rolled back from the program page to the version before: the customers are where they were.
    await navLink(other, 'Programs').click();
    await other.getByRole('link', { name: 'Retail bank (by assets under management)' }).click();
    other.once('dialog', (dialog) => void dialog.accept());
    await other.locator(`.versions li[data-version="${inForce - 1}"]`).getByRole('button', { name: `Roll back to v${inForce - 1}` }).click();
    await other.locator(`.versions li[data-version="${inForce + 1}"]`).waitFor();
    // The roll back's own job (the panel showed the publish's, already done, until it came).
    await other.locator('.job', { hasText: `v${inForce + 1} ·` }).locator('[data-status="DONE"]').waitFor();
    const rolledBack = await app.gql(`{ tierProgram(key: "retail-bank") { distribution { tierKey count } } }`);
    expect(Object.fromEntries(rolledBack.data.tierProgram.distribution.map((d: { tierKey: string; count: number }) => [d.tierKey, d.count]))).toMatchObject({ A: 6, A_SUB: 6, B: 6, C: 6, D: 6 });
    await other.close();
    expect(problems).toEqual([]);
  });

  it('lets an ADMIN write conditions as JSON, the builder and the summary following, and shows an EDITOR the JSON read-only', async () => {
    const page = await openConsole();
    await signIn(page, await app.keyWithRoles(Role.ADMIN));
    await page.getByRole('link', { name: /^Telecom group/ }).click();
    await page.getByRole('button', { name: 'Open a draft' }).click();
    await page.getByRole('heading', { name: /^Draft of Telecom group/ }).waitFor();
    const c = page.locator('.tier-editor[data-tier="C"]');
    await c.getByRole('button', { name: 'JSON' }).click();
    await c.getByLabel('Conditions as JSON').fill('{ "all": [{ "fact": "employees", "operator": "lessThan", "value": 50 }] }');
    await c.getByRole('button', { name: 'Apply to the editor' }).click();
    expect(await c.locator('.summary').textContent()).toBe('employees below 50');
    expect(await c.locator('.rule-value').inputValue()).toBe('50');
    await c.getByLabel('Conditions as JSON').fill('{ "fact": "employees" }');
    await c.getByRole('button', { name: 'Apply to the editor' }).click();
    expect(await c.getByRole('alert').textContent()).toBe('Conditions are an object with all, any or not at the top.');
    await c.getByLabel('Conditions as JSON').fill('{ "all": [');
    await c.getByRole('button', { name: 'Apply to the editor' }).click();
    expect(await c.getByRole('alert').textContent()).toMatch(/^Not JSON:/);
    await c.getByRole('button', { name: 'Save tier' }).click();
    await page.getByText('revision 2').waitFor();
    const draftUrl = page.url();
    await page.close();

    const editorPage = await openConsole();
    await signIn(editorPage, await app.keyWithRoles(Role.EDITOR));
    await editorPage.goto(draftUrl);
    const shown = editorPage.locator('.tier-editor[data-tier="C"]');
    await shown.getByRole('button', { name: 'JSON' }).click();
    expect(await shown.locator('textarea').count()).toBe(0);
    expect(JSON.parse((await shown.locator('pre.json').textContent())!)).toEqual({ all: [{ fact: 'employees', operator: 'lessThan', value: 50 }] });
    editorPage.once('dialog', (dialog) => void dialog.accept());
    await editorPage.getByRole('button', { name: 'Discard the draft' }).click();
    await editorPage.getByRole('heading', { name: 'Ladder' }).waitFor();
    await editorPage.close();
    expect(problems).toEqual([]);
  });

  it('creates a program as a draft, limits whom it covers with a list of values, and publishes it through another key', async () => {
    const page = await openConsole();
    await signIn(page, await app.keyWithRoles(Role.EDITOR));
    await page.getByRole('button', { name: 'New program' }).click();
    const form = page.getByRole('form', { name: 'New program' });
    await form.getByLabel('Key (lower case, e.g. private-banking)').fill('Private Banking');
    await form.getByLabel('Name', { exact: true }).fill('Private banking');
    await form.getByRole('button', { name: 'Create as a draft' }).click();
    await form.locator('.field[data-invalid] .field-problem').waitFor();
    expect(await form.locator('.field[data-invalid]').count()).toBe(1);
    expect(await form.locator('.field[data-invalid] .field-problem').textContent()).toMatch(/key/);
    await form.getByLabel('Key (lower case, e.g. private-banking)').fill('private-banking');
    await form.getByRole('button', { name: 'Create as a draft' }).click();
    await page.getByRole('heading', { name: 'Draft of Private banking' }).waitFor();
    expect(await page.locator('.tier-editor[data-tier="STANDARD"] .summary').textContent()).toBe('every customer');
    expect(await page.locator('.applies-to .summary').textContent()).toBe('every customer');

    // Individuals only: a rule on customerType with the list editor's chips.
    const appliesTo = page.locator('.applies-to');
    await appliesTo.getByRole('button', { name: '+ Condition' }).click();
    await appliesTo.locator('select.rule-fields').selectOption('customerType');
    await appliesTo.locator('select.rule-operators').selectOption('in');
    const values = appliesTo.getByLabel('add a value');
    await values.fill('individual');
    await values.press('Enter');
    await values.fill('vip');
    await values.press('Enter');
    await appliesTo.getByRole('button', { name: 'Remove vip' }).click();
    expect(await appliesTo.locator('.chip').allTextContents()).toEqual(['individual×']);
    expect(await appliesTo.locator('.summary').textContent()).toBe('customerType is one of individual');
    await appliesTo.getByRole('button', { name: 'Save who it covers' }).click();
    await page.getByText('revision 2').waitFor();
    const draftId = page.url().split('/').pop()!;
    const { data } = await app.gql(`query($id: ID!) { ruleDraft(id: $id) { document } }`, { id: draftId });
    expect(data.ruleDraft.document.appliesTo).toEqual({ all: [{ fact: 'customerType', operator: 'in', value: ['individual'] }] });
    // Every individual enters the new program's one tier.
    // The matrix simulated for the saved revision (the one before it counted all 40 customers).
    await page.locator('.impact[data-for-save="1"]').waitFor();
    expect(await page.locator('.matrix td[data-from="∅"][data-to="STANDARD"] .count').textContent()).toBe('30');
    await page.getByRole('button', { name: 'Submit for approval' }).click();
    await page.locator('[data-status="SUBMITTED"]').waitFor();
    await shot(page, '14b-new-program');
    await page.close();

    const approver = await openConsole();
    await signIn(approver, await app.keyWithRoles(Role.APPROVER));
    await approver.goto(`${base}/admin/drafts/${draftId}`);
    await approver.getByRole('button', { name: 'Approve' }).click();
    await approver.getByRole('button', { name: 'Publish' }).click();
    await approver.locator('.job [data-status="DONE"]').waitFor();
    await navLink(approver, 'Programs').click();
    await approver.locator('[data-program="private-banking"] tbody tr[data-tier="STANDARD"]').waitFor();
    expect(await approver.locator('[data-program="private-banking"] tbody tr[data-tier="STANDARD"] td').allTextContents()).toEqual(['STANDARD (STANDARD)', '30', '100%']);
    await approver.close();
    expect(problems).toEqual([]);
  });

  it('defines facts and entitlements with the API\'s messages at the field, and lists the change in the audit log', async () => {
    const page = await openConsole();
    await signIn(page, await app.keyWithRoles(Role.EDITOR));
    await navLink(page, 'Catalogs').click();
    await page.getByRole('heading', { name: 'Catalogs' }).waitFor();
    // The heading comes before the catalog has loaded; allTextContents does not wait.
    await page.locator('tr[data-fact="balance"]').waitFor();
    expect(await page.locator('tr[data-fact="balance"] td').allTextContents()).toEqual(['balance', 'number', 'CNY', expect.any(String)]);

    const form = page.getByRole('form', { name: 'Define a fact' });
    await form.getByLabel('Key').fill('Months Active');
    await form.getByRole('button', { name: 'Define' }).click();
    await form.locator('.field-problem').waitFor();
    expect(await form.locator('.field[data-invalid] .field-problem').textContent()).toMatch(/^key must start with a lowercase letter/);
    await form.getByLabel('Key').fill('monthsActive');
    await form.getByLabel('Unit').fill('months');
    await form.getByRole('button', { name: 'Define' }).click();
    await page.locator('tr[data-fact="monthsActive"]').waitFor();
    expect(await page.locator('tr[data-fact="monthsActive"] td').allTextContents()).toEqual(['monthsActive', 'number', 'months', '']);
    const stored = await app.gql(`{ factDefinitions { key type unit } }`);
    expect(stored.data.factDefinitions).toContainEqual({ key: 'monthsActive', type: 'NUMBER', unit: 'months' });

    const entitlement = page.getByRole('form', { name: 'Define an entitlement' });
    await entitlement.getByLabel('Key').fill('birthdayGift');
    await entitlement.getByLabel('Name').fill('Birthday gift');
    await entitlement.getByRole('button', { name: 'Define' }).click();
    await page.locator('tr[data-entitlement="birthdayGift"]').waitFor();
    await shot(page, '15-catalogs');

    await navLink(page, 'Audit log').click();
    await page.getByLabel('Kind').selectOption('FACT');
    await page.getByRole('button', { name: 'Search' }).click();
    const entry = page.locator('.audit-event[data-entity="FACT:monthsActive"]');
    await entry.waitFor();
    await entry.getByRole('button', { name: 'What changed' }).click();
    expect(await entry.locator('tr[data-path="unit"] td').allTextContents()).toEqual(['unit', '', 'months']);
    expect(await page.locator('.audit-event[data-action="factDefine"]').count()).toBe(await page.locator('.audit-event').count());
    await shot(page, '16-audit');
    await page.close();
    expect(problems).toEqual([]);
  });

  it("finds a customer by externalId, shows the card's checklist as the API explains it and what the next tier takes, and sets and revokes an override", async () => {
    const integrator = await app.keyWithRoles(Role.INTEGRATOR);
    const page = await openConsole();
    await signIn(page, integrator);
    await navLink(page, 'Customers').click();
    await page.getByLabel('Name or externalId starts with').fill('console-1');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: 'Customer 1', exact: true }).click();
    await page.getByRole('heading', { name: 'Customer 1' }).waitFor();

    const api = await app.gql(
      `{ customer(externalId: "console-1") { tier(programKey: "retail-bank") { tier { key } explanation { conditions { path passed } nextTier { requirements { message } } } } } }`,
    );
    const { explanation, tier } = api.data.customer.tier;
    const retail = page.locator('.program-tier[data-program="retail-bank"]');
    const rows = await retail.locator('.checklist tbody tr').evaluateAll((trs: any[]) => trs.map((tr) => ({ path: tr.getAttribute('data-path'), passed: tr.className === 'pass' })));
    expect(rows).toEqual(explanation.conditions.map((c: { path: string[]; passed: boolean }) => ({ path: c.path.join('.'), passed: c.passed })));
    expect(await retail.locator('h3 [data-tier]').getAttribute('data-tier')).toBe(tier.key);
    expect(await retail.locator('.next-tier').textContent()).toContain(explanation.nextTier.requirements[0].message);
    await shot(page, '11-customer-card');

    await retail.getByLabel('Pin to tier').fill('B');
    await retail.getByLabel('Reason').fill('relationship review');
    await retail.getByRole('button', { name: 'Set override' }).click();
    await retail.getByText(/pinned by an override · override by test INTEGRATOR: relationship review/).waitFor();
    expect(await retail.locator('h3 [data-tier]').getAttribute('data-tier')).toBe('B');
    await retail.getByRole('button', { name: 'Revoke the override' }).click();
    await retail.getByText('by the rules').waitFor();
    expect(await retail.locator('h3 [data-tier]').getAttribute('data-tier')).toBe(tier.key);

    // The tier on a date: nothing before the customer existed; a second ago, the tier and why, as the API answers it.
    await retail.getByText('Tier on a date').click();
    const onDate = retail.locator('.tier-on-date');
    await onDate.getByLabel('On').fill('2001-01-01T00:00:00');
    await onDate.getByRole('button', { name: 'Look up' }).click();
    await onDate.locator('.as-of', { hasText: 'not tiered yet then' }).waitFor();
    const local = await page.evaluate(() => {
      const d = new Date(Date.now() - 1_000);
      const two = (n: number) => String(n).padStart(2, '0');
      return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}T${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
    });
    await onDate.getByLabel('On').fill(local);
    await onDate.getByRole('button', { name: 'Look up' }).click();
    await onDate.locator(`.as-of[data-tier="${tier.key}"] .checklist`).waitFor();
    const at = await page.evaluate((value) => new Date(value).toISOString(), local);
    const then = await app.gql(`query($at: DateTime!) { customer(externalId: "console-1") { tierAt(programKey: "retail-bank", at: $at) { tierKey explanation { conditions { path passed } } } } }`, { at });
    const thenRows = await onDate.locator('.checklist tbody tr').evaluateAll((trs: any[]) => trs.map((tr) => ({ path: tr.getAttribute('data-path'), passed: tr.className === 'pass' })));
    expect(thenRows).toEqual(then.data.customer.tierAt.explanation.conditions.map((c: { path: string[]; passed: boolean }) => ({ path: c.path.join('.'), passed: c.passed })));
    await shot(page, '11b-tier-on-date');
    await page.close();
    expect(problems).toEqual([]);
  });

  it('switches every label to Simplified Chinese on every screen and remembers the choice', async () => {
    const page = await openConsole();
    await page.getByLabel('Language').selectOption('zh-CN');
    await page.getByRole('heading', { name: '登录' }).waitFor();
    await page.getByLabel('API 密钥').fill(app.adminKey);
    await page.getByRole('button', { name: '登录' }).click();
    await page.getByRole('heading', { name: '分层方案' }).waitFor();
    await page.locator('[data-program="retail-bank"] tbody tr').first().waitFor();
    await shot(page, '04-programs-zh');
    await page.reload();
    await page.getByRole('heading', { name: '分层方案' }).waitFor();
    expect(await page.evaluate(() => (globalThis as any).document.documentElement.lang)).toBe('zh-CN');

    // No English label is left on any screen: every one the console has, as words in the page's text. A
    // single lower-case word ("customers") is left out: the demo data's English descriptions use them too.
    const english = Object.values(LABELS.en)
      .filter((label): label is string => typeof label === 'string')
      .map((label) => label.trim())
      .filter((label) => label.length > 3 && !/^[a-z]+$/.test(label));
    const asWords = (label: string) => new RegExp(`(^|[^A-Za-z])${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^A-Za-z])`);
    const englishOn = async (screen: string) => {
      const text: string = await page.evaluate(() => (globalThis as any).document.body.innerText);
      return { screen, left: english.filter((label) => asWords(label).test(text)) };
    };
    const screens = [await englishOn('programs')];
    await page.getByRole('link', { name: 'Retail bank (by assets under management)' }).click();
    await page.getByRole('heading', { name: '层级阶梯' }).waitFor();
    screens.push(await englishOn('program'));
    await page.getByRole('button', { name: '新建草稿' }).click();
    await page.locator('.impact .matrix').waitFor();
    await page.locator('.tier-editor[data-tier="A"] button', { hasText: 'JSON' }).click();
    screens.push(await englishOn('draft'));
    await shot(page, '17-draft-zh');
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: '放弃草稿' }).click();
    await page.getByRole('heading', { name: '层级阶梯' }).waitFor();
    await navLink(page, '客户').click();
    await page.getByLabel('姓名或 externalId 开头为').fill('console-0');
    await page.getByRole('button', { name: '搜索' }).click();
    await page.getByRole('link', { name: 'Customer 0', exact: true }).click();
    await page.getByRole('heading', { name: 'Customer 0' }).waitFor();
    screens.push(await englishOn('customer'));
    await navLink(page, '目录').click();
    await page.getByRole('heading', { name: '目录' }).waitFor();
    screens.push(await englishOn('catalogs'));
    await navLink(page, '审计日志').click();
    await page.locator('.audit-event').first().waitFor();
    await page.locator('.audit-event').first().getByRole('button', { name: '变更内容' }).click();
    screens.push(await englishOn('audit'));
    await shot(page, '18-audit-zh');
    expect(screens.filter((s) => s.left.length)).toEqual([]);
    await page.close();
    expect(problems).toEqual([]);
  });
  // Last: it leaves retail-bank with a time policy.
  it('sets a yearly review with grace on a draft in words, and the card shows a held tier at risk, when it falls and what keeping it takes', async () => {
    const editor = await app.keyWithRoles(Role.EDITOR);
    const page = await openConsole();
    await signIn(page, editor);
    await page.getByRole('link', { name: 'Retail bank (by assets under management)' }).click();
    await page.getByRole('button', { name: 'Open a draft' }).click();
    const policy = page.locator('.time-policy');
    await policy.waitFor();
    expect(await policy.locator('.summary').textContent()).toBe('Upgrades and downgrades apply at once.');
    await policy.getByLabel('Downgrades', { exact: true }).selectOption('REVIEW');
    await policy.getByLabel('Review', { exact: true }).selectOption('YEAR');
    await policy.getByLabel('Grace (days)').fill('30');
    expect(await policy.locator('.summary').textContent()).toBe("Upgrades apply at once; downgrades wait for the review (each calendar year), after 30 days' grace");
    await policy.getByRole('button', { name: 'Save when downgrades take effect' }).click();
    await page.locator('.draft-diff li', { hasText: 'timePolicy' }).first().waitFor();
    await shot(page, '19-time-policy');
    const draftId = page.url().split('/').at(-1)!;
    const { ruleDraft } = (await app.gql(`query($id: ID!) { ruleDraft(id: $id) { revision document } }`, { id: draftId })).data;
    expect(ruleDraft.document.timePolicy).toEqual({ downgrade: 'REVIEW', review: 'YEAR', graceDays: 30 });
    await submitApprovePublish(app, { id: draftId, revision: ruleDraft.revision }, editor);

    // Customer 1 (250,000: A_SUB) drops to 60,000: held in A_SUB until the review and its grace.
    await app.gql(`mutation { customerUpsert(input: { externalId: "console-1", name: "Customer 1", facts: { customerType: "individual", balance: 60000 } }) { userErrors { message } } }`);
    await navLink(page, 'Customers').click();
    await page.getByLabel('Name or externalId starts with').fill('console-1');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: 'Customer 1', exact: true }).click();
    const held = page.locator('[data-program="retail-bank"] .held');
    await held.waitFor();
    expect(await held.getAttribute('data-status')).toBe('AT_RISK');
    const text = await held.textContent();
    expect(text).toMatch(/^at risk · falls to Mid-tier \(B\) on Jan 31, \d{4} \(review Jan 1, \d{4}\) unless the customer requalifies · Keeping it takes: balance needs \+140,000/);
    await shot(page, '20-card-held');
    await page.close();
    expect(problems).toEqual([]);
  });

  it('registers a webhook endpoint, shows its secret once, its delivery log as the receiver answered, and sends an event again', async () => {
    const receiver = await startReceiver();
    try {
      const integrator = await app.keyWithRoles(Role.INTEGRATOR);
      const page = await openConsole();
      await signIn(page, integrator);
      await navLink(page, 'Webhooks').click();
      await page.getByText('No endpoint yet.').waitFor();
      // The API's refusal at the field: a URL that is not one.
      await page.getByLabel('URL').fill('not a url');
      await page.getByRole('button', { name: 'Register' }).click();
      await page.locator('.field-problem', { hasText: 'url must be an absolute URL' }).waitFor();

      await page.getByLabel('URL').fill(receiver.url);
      await page.getByLabel('Description').fill('CRM sync');
      await page.getByLabel('tier changed').check();
      await page.getByRole('button', { name: 'Register' }).click();
      const secret = (await page.getByRole('status').locator('code').textContent())!;
      expect(secret).toMatch(/^whsec_/);
      await app.gql(`mutation { customerFactsUpdate(externalId: "console-3", facts: { balance: 600000 }) { userErrors { message } } }`);
      await app.strata.webhooks.drain();
      expect(receiver.calls).toHaveLength(1);
      await page.getByRole('button', { name: 'Refresh' }).click();
      const row = page.locator('tr[data-status="DELIVERED"]');
      await row.waitFor();
      expect(await row.locator('td').nth(1).textContent()).toBe('delivered');
      await shot(page, '14-webhooks');
      await row.getByRole('button', { name: 'Send again' }).click();
      await page.locator('tr[data-status="PENDING"]').waitFor();
      await app.strata.webhooks.drain();
      expect(receiver.calls).toHaveLength(2);
      expect(receiver.calls[1].headers['webhook-id']).toBe(receiver.calls[0].headers['webhook-id']);
      await page.getByLabel('Language').selectOption('zh-CN');
      await page.getByRole('heading', { name: 'Webhook', exact: true }).waitFor();
      await page.locator('tr[data-status="DELIVERED"]').first().getByText('已送达').waitFor();
      await shot(page, '14-webhooks-zh');
      page.once('dialog', (dialog) => void dialog.accept());
      await page.getByRole('button', { name: '删除' }).click();
      await page.getByText('还没有接收地址。').waitFor();
      expect(problems).toEqual([]);
      await page.close();
    } finally {
      await receiver.close();
    }
  });
});

const byKey = (a: { tierKey: string | null }, b: { tierKey: string | null }) => String(a.tierKey).localeCompare(String(b.tierKey));
