import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import { newSecret } from '../../src/auth/auth.service';
import { launchChromium } from '../chromium';
import { DEFAULT_CONSOLE_DIR } from '../../src/console';
import { freePort, ready, startUnthrottled } from './api';
import { BenchDatabase, BenchOptions, RULE_CHANGES, changed, publishedProgram, summary, timed } from './support';

const SIMULATE = `query($id: ID!) { ruleDraftSimulate(id: $id, sampleSize: 3) { customers moving tookMs movements { fromTierKey fromCovered fromTier { name rank } toTierKey toCovered count sample { id externalId name } entitlementsGained { key before after } entitlementsLost { key before after } entitlementsChanged { key before after } } } }`;

/** The built console served as plain files, index.html for every page path: the floor a page load cannot beat. */
function staticServer(dir: string): Promise<{ url: string; close: () => void }> {
  const server = http.createServer((req, res) => {
    const asset = req.url?.startsWith('/admin/assets/') ? path.join(dir, 'assets', path.basename(req.url.split('?')[0])) : path.join(dir, 'index.html');
    fs.readFile(asset, (error, body) => {
      if (error) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': asset.endsWith('.js') ? 'text/javascript' : asset.endsWith('.css') ? 'text/css' : 'text/html' }).end(body);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, close: () => server.close() })));
}

/**
 * The console at `db.customers` customers, in Debian's Chromium: the JavaScript it ships
 * (gzip), the time to a usable program page against the same page from a plain static
 * server, and the time to a rendered impact matrix against the ruleDraftSimulate call it
 * shows (the draft changes tier C, about 30 % of customers move): on opening the draft
 * page (which loads the console first), and on the open page after a saved edit (the save
 * included).
 */
export async function benchAdmin(options: BenchOptions, db: BenchDatabase): Promise<void> {
  const assets = path.join(DEFAULT_CONSOLE_DIR, 'assets');
  const scripts = fs.readdirSync(assets).filter((f) => f.endsWith('.js'));
  const gzipBytes = scripts.reduce((n, f) => n + zlib.gzipSync(fs.readFileSync(path.join(assets, f))).length, 0);

  const adminKey = newSecret();
  const port = await freePort();
  const strata = startUnthrottled(db.url, port, adminKey);
  const plain = await staticServer(DEFAULT_CONSOLE_DIR);
  const browser = await launchChromium();
  try {
    const base = `http://127.0.0.1:${port}`;
    await ready(`${base}/readyz`, strata);
    const gql = async (query: string, variables: Record<string, unknown> = {}) => {
      const res = await fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` }, body: JSON.stringify({ query, variables }) });
      return (await res.json()) as { data: any; errors?: unknown[] };
    };
    const { version } = await publishedProgram(db, 'retail-bank');
    // A database kept from an earlier run (--keep) may hold that run's draft: a program has one open draft at a time.
    const left = await gql(`{ ruleDrafts(programKey: "retail-bank") { id revision } }`);
    for (const draft of left.data.ruleDrafts as { id: string; revision: number }[]) {
      await gql(`mutation($id: ID!, $r: Int!) { ruleDraftDiscard(id: $id, revision: $r) { userErrors { message } } }`, { id: draft.id, r: draft.revision });
    }
    const opened = await gql(`mutation { ruleDraftCreate(programKey: "retail-bank") { draft { id } userErrors { message } } }`);
    const draftId: string = opened.data.ruleDraftCreate.draft.id;
    const document = changed(version.document, RULE_CHANGES[1]);
    await gql(`mutation($id: ID!, $d: JSONObject!) { ruleDraftUpdate(id: $id, revision: 1, document: $d) { userErrors { message } } }`, { id: draftId, d: document });

    const context = await browser.newContext();
    await context.addInitScript((key) => (globalThis as any).sessionStorage.setItem('strata.apiKey', key), adminKey);
    /**
     * When `selector` first shows, in the page's own clock. Checked every animation frame:
     * Playwright's locator waits poll ever more slowly (every 500 ms after a second), which
     * would add up to half a second to what a person sees.
     */
    const shownAt = async (page: import('playwright-core').Page, selector: string): Promise<number> => {
      const handle = await page.waitForFunction((s) => (globalThis as any).document.querySelector(s) && performance.now(), selector, { polling: 'raf', timeout: 120_000 });
      return (await handle.jsonValue()) as number;
    };
    /** From the start of navigation (the page's time origin) until `selector` shows. */
    const measure = async (url: string, selector: string) => {
      const page = await context.newPage();
      await page.goto(url, { waitUntil: 'commit' });
      const ms = await shownAt(page, selector);
      await page.close();
      return Math.round(ms);
    };
    // One of each first: the browser's and the server's caches warm as a returning user's are.
    await measure(`${plain.url}/admin/programs/retail-bank`, 'h2');
    await measure(`${base}/admin/programs/retail-bank`, '.versions li');
    /** On the open draft page: a threshold of tier C changed and saved, until the matrix shows the new simulation. */
    const afterSave = async (page: import('playwright-core').Page, save: number, value: number) => {
      const tier = page.locator('.tier-editor[data-tier="C"]');
      await tier.locator('.rule-value').fill(String(value));
      // From the click as the page receives it, not from when Playwright starts to look for the button.
      await page.evaluate(() => (globalThis as any).document.addEventListener('click', () => ((globalThis as any).clickedAt = performance.now()), { capture: true, once: true }));
      await tier.getByRole('button', { name: 'Save tier' }).click();
      const shown = await shownAt(page, `.impact[data-for-save="${save}"] .matrix td.move`);
      return Math.round(shown - ((await page.evaluate(() => (globalThis as any).clickedAt)) as number));
    };
    const runs = Math.max(options.runs, 3);
    const staticPage: number[] = [];
    const programPage: number[] = [];
    const matrix: number[] = [];
    const simulate: number[] = [];
    const saved: number[] = [];
    const editing = await context.newPage();
    await editing.goto(`${base}/admin/drafts/${draftId}`);
    await editing.locator('.matrix td.move').first().waitFor({ timeout: 120_000 });
    for (let run = 0; run < runs; run += 1) {
      staticPage.push(await measure(`${plain.url}/admin/programs/retail-bank`, 'h2'));
      programPage.push(await measure(`${base}/admin/programs/retail-bank`, '.versions li'));
      simulate.push((await timed(() => gql(SIMULATE, { id: draftId }))).ms);
      matrix.push(await measure(`${base}/admin/drafts/${draftId}`, '.matrix td.move'));
      // Alternate between the two thresholds, so every save moves about 30 % of customers.
      saved.push(await afterSave(editing, run + 1, run % 2 ? RULE_CHANGES[1].value : RULE_CHANGES[1].value + 1));
    }
    await editing.close();
    const program = summary(programPage);
    const shown = summary(matrix);
    const call = summary(simulate);
    const refreshed = summary(saved);
    options.report({
      suite: 'admin',
      figure: `the console at ${db.customers.toLocaleString('en')} customers, Chromium on loopback`,
      javascriptGzipBytes: gzipBytes,
      javascriptFiles: scripts.length,
      staticPageMs: summary(staticPage),
      programPageMs: program,
      programPageTarget: '≤ 1000 ms',
      simulateCallMs: call,
      impactMatrixOnOpenMs: shown,
      impactMatrixAfterSaveMs: refreshed,
      afterSaveOverCall: Number((refreshed.median / call.median).toFixed(2)),
      onOpenOverCall: Number((shown.median / call.median).toFixed(2)),
      matrixTarget: '≤ 1.5× the call',
    });
  } finally {
    await browser.close();
    plain.close();
    strata.kill('SIGTERM');
  }
}
