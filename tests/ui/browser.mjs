// tests/ui/browser.mjs: the schema browser in a real browser (Debian's
// Chromium, driven by playwright-core). It registers schemas through the REST
// API, then does what a person would in the page, and prints TAP.
// Environment: SG_URL (a running registry), SG_SRCDIR, SG_SHOTS (a folder for
// screenshots), NODE_PATH (where playwright-core is installed).
import { createRequire } from 'node:module';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const require = createRequire(import.meta.url);
const { chromium } = require(process.env.SG_PLAYWRIGHT || 'playwright-core');

const base = process.env.SG_URL;
const src = process.env.SG_SRCDIR || '.';
const shots = process.env.SG_SHOTS || '.';
mkdirSync(shots, { recursive: true });

let n = 0, failed = 0;
function ok(cond, name, detail) {
  n++;
  console.log(`${cond ? '' : 'not '}ok ${n} - ${name}`);
  if (!cond) {
    failed++;
    if (detail !== undefined) console.log('# ' + String(detail).split('\n').join('\n# '));
  }
  return cond;
}

const MEDIA = 'application/vnd.schemaregistry.v1+json';
async function api(method, p, body) {
  const res = await fetch(base + p, {
    method,
    headers: body ? { 'Content-Type': MEDIA } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
}

// ---- data, registered through the API ----
const orders = JSON.parse(readFileSync(path.join(src, 'schemas/orders.avsc'), 'utf8'));
const v2 = structuredClone(orders);
v2.fields.push({ name: 'channel', type: ['null', 'string'], default: null, doc: 'web, app or store' });
const v3 = structuredClone(v2);
v3.fields.push({ name: 'coupon', type: 'string', default: '' });
v3.fields = v3.fields.filter(f => f.name !== 'cancel_reason');
for (const s of [orders, v2, v3]) {
  const r = await api('POST', '/subjects/orders-value/versions', { schema: JSON.stringify(s) });
  if (r.status !== 200) { console.log('Bail out! could not register orders-value: ' + JSON.stringify(r.body)); process.exit(1); }
}
for (let i = 0; i < 60; i++) {
  await api('POST', `/subjects/team-${i % 3}.events-${i}-value/versions`,
    { schema: JSON.stringify({ type: 'record', name: `E${i}`, fields: [{ name: 'n', type: 'int' }] }) });
}
const json = readFileSync(path.join(src, 'schemas/payments.json'), 'utf8');
await api('POST', '/subjects/payments-value/versions', { schemaType: 'JSON', schema: json });
const evil = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">';
await api('POST', '/subjects/xss-value/versions', {
  schema: JSON.stringify({ type: 'record', name: 'X', doc: evil, fields: [{ name: 'f', type: 'string', doc: evil }] }),
});
const ordersLatest = (await api('GET', '/subjects/orders-value/versions/latest')).body;

// ---- the browser ----
const browser = await chromium.launch({
  executablePath: process.env.SG_CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
const page = await context.newPage();
const consoleErrors = [];
page.on('console', m => { if (m.type() === 'error') consoleErrors.push(m.text()); });
page.on('pageerror', e => consoleErrors.push(String(e)));

try {
  // The page and its Content-Security-Policy.
  const resp = await page.goto(base + '/ui/');
  const csp = resp.headers()['content-security-policy'] || '';
  ok(resp.status() === 200, 'GET /ui/ answers 200');
  ok(/script-src 'self'/.test(csp) && /default-src 'none'/.test(csp), 'the page carries a strict Content-Security-Policy', csp);
  const apiCsp = (await api('GET', '/subjects')).headers.get('content-security-policy') || '';
  ok(apiCsp.includes("default-src 'none'"), 'API responses carry the Content-Security-Policy too', apiCsp);
  const root = await fetch(base + '/', { headers: { Accept: 'text/html' }, redirect: 'manual' });
  ok(root.status === 302 && (root.headers.get('location') || '').endsWith('/ui/'), 'a browser asking for / is sent to /ui/', root.status);

  // Find a subject by filtering, with paging intact.
  await page.waitForSelector('#subject-list table');
  const total = await page.textContent('#subject-count');
  ok(/of 63 subjects/.test(total), 'the list counts every subject', total);
  ok(await page.locator('#subject-list .pager').count() === 1, 'more subjects than a page: a pager is shown');
  await page.fill('#filter', 'orders');
  await page.waitForFunction(() => document.querySelectorAll('#subject-list tbody tr').length === 1);
  ok(await page.locator('#subject-list tbody tr td.name a').textContent() === 'orders-value', 'filtering as you type finds orders-value');
  ok(page.url().includes('filter=orders'), 'the filter is in the URL, so it can be shared', page.url());
  await page.waitForFunction(() => /v3/.test(document.querySelector('#subject-list tbody tr .c-version').textContent));
  ok(true, 'the row shows the latest version');
  // The level is a separate request from the version: wait for it to fill in.
  await page.waitForFunction(() => document.querySelector('#subject-list tbody tr .c-level').textContent !== '');
  const level = await page.locator('#subject-list tbody tr .c-level').textContent();
  ok(level === 'BACKWARD', 'the row shows the compatibility level', level);

  // Keyboard: '/' focuses the filter; arrow down reaches the first subject.
  await page.click('main h1');
  await page.keyboard.press('/');
  ok(await page.evaluate(() => document.activeElement.id) === 'filter', "'/' focuses the filter");
  await page.keyboard.press('ArrowDown');
  ok(await page.evaluate(() => document.activeElement.textContent) === 'orders-value', 'arrow down moves to the first subject');
  await page.keyboard.press('Enter');

  // The subject page: versions, ids, pretty schema, field tree.
  await page.waitForSelector('#field-tree');
  ok(await page.locator('.versions li').count() === 3, 'the subject page lists 3 versions');
  ok(!/nullnull|undefined/.test(await page.textContent('main')), 'no stray "null" text where a section is absent');
  const tree = await page.textContent('#field-tree');
  ok(tree.includes('order_id') && tree.includes('coupon') && tree.includes('= ""'), 'the field tree shows names, types and defaults', tree.slice(0, 200));
  ok((await page.textContent('#version-meta')).includes(String(ordersLatest.id)), 'the page shows the schema id');
  await page.screenshot({ path: path.join(shots, 'subject.png'), fullPage: true });

  // Diff versions 1 and 3.
  await page.selectOption('#diff-a', '1');
  await page.selectOption('#diff-b', '3');
  await page.click('#diff-form button[type=submit]');
  await page.waitForSelector('#diff-verdict .verdict');
  const verdict = await page.textContent('#diff-verdict');
  ok(/v3 is compatible with v1/.test(verdict), 'the diff shows the compatibility verdict', verdict);
  ok(!/null|undefined/.test(await page.textContent('#diff-verdict')), 'no stray "null" text beside the verdict');
  const changes = await page.textContent('#diff-changes');
  ok(changes.includes('added') && changes.includes('/fields/coupon'), 'the structural diff names the added field by pointer', changes.slice(0, 300));
  ok(changes.includes('removed') && changes.includes('/fields/cancel_reason'), 'the structural diff names the removed field', changes.slice(0, 300));
  ok(await page.locator('.diff .add').count() > 0 && await page.locator('.diff .del').count() > 0, 'the side-by-side diff marks added and removed lines');
  ok(page.url().endsWith('#/subject/orders-value/diff/1/3'), 'the diff has its own link', page.url());
  await page.screenshot({ path: path.join(shots, 'diff.png'), fullPage: true });

  // Test an incompatible change: a new field without a default.
  await page.goto(base + '/ui/#/subject/orders-value/test');
  await page.waitForSelector('#candidate');
  const bad = structuredClone(v3);
  bad.fields.push({ name: 'warehouse', type: 'string' });
  await page.fill('#candidate', JSON.stringify(bad, null, 2));
  await page.click('#check');
  await page.waitForSelector('#test-result .verdict');
  const res = await page.textContent('#test-result');
  ok(/Incompatible/.test(res), 'an incompatible schema is reported as refused', res);
  ok(res.includes('READER_FIELD_MISSING_DEFAULT_VALUE') && res.includes(`/fields/${bad.fields.length - 1}`),
    'the reason is shown with its rule and at the right field', res);
  ok(await page.isDisabled('#register'), 'registering is not offered for an incompatible schema');
  const before = (await api('GET', '/subjects/orders-value/versions')).body.length;
  ok(before === 3, 'checking registered nothing');

  // A compatible change can be registered, on an explicit click and confirmation.
  const good = structuredClone(v3);
  good.fields.push({ name: 'gift', type: 'boolean', default: false });
  await page.fill('#candidate', JSON.stringify(good, null, 2));
  await page.click('#check');
  await page.waitForFunction(() => /Compatible:/.test(document.querySelector('#test-result').textContent));
  ok(!(await page.isDisabled('#register')), 'a compatible schema can be registered');
  await page.click('#register');
  await page.click('dialog [data-answer=yes]');
  await page.waitForFunction(() => /Registered with id/.test(document.querySelector('#test-result').textContent));
  ok((await api('GET', '/subjects/orders-value/versions')).body.length === 4, 'the click registered version 4');

  // Change the compatibility level, with a confirmation step.
  await page.goto(base + '/ui/#/subject/orders-value');
  await page.waitForSelector('#level-select');
  await page.selectOption('#level-select', 'FULL');
  await page.click('#level-save');
  await page.click('dialog [data-answer=no]');
  ok((await api('GET', '/config/orders-value?defaultToGlobal=true')).body.compatibilityLevel === 'BACKWARD', 'cancelling the confirmation changes nothing');
  await page.click('#level-save');
  await page.click('dialog [data-answer=yes]');
  await page.waitForSelector('#settings-status .verdict');
  ok((await api('GET', '/config/orders-value')).body.compatibilityLevel === 'FULL', 'confirming sets the subject to FULL');

  // Look up a schema by id.
  await page.fill('#lookup-id', String(ordersLatest.id));
  await page.press('#lookup-id', 'Enter');
  await page.waitForSelector('#id-usages');
  const usages = await page.textContent('#id-usages');
  ok(usages.includes('orders-value v3'), 'looking up an id shows where it is registered', usages);

  // A deep link opened directly.
  const deep = await context.newPage();
  await deep.goto(base + '/ui/#/subject/orders-value/diff/1/2');
  await deep.waitForSelector('#diff-verdict .verdict');
  ok(/v2 is compatible with v1/.test(await deep.textContent('#diff-verdict')), 'a deep link to a diff opens that diff');
  await deep.close();

  // JSON Schema subjects render too.
  await page.goto(base + '/ui/#/subject/payments-value');
  await page.waitForSelector('#version-meta');
  ok((await page.textContent('#version-meta')).includes('JSON'), 'a JSON Schema subject shows its type');

  // API errors are shown plainly.
  await page.goto(base + '/ui/#/subject/no-such-subject');
  await page.waitForSelector('.error');
  ok(/not found/i.test(await page.textContent('.error')), 'a missing subject shows the API error, not a blank page');

  // The rejections view, on a registry without a gateway: a plain notice.
  await page.goto(base + '/ui/#/rejections');
  await page.waitForSelector('#rejections .notice, #rejections .error, #rejection-table, #rejections p:not(.muted)');
  const rej = await page.textContent('#rejections');
  ok(/gateway is not running here/.test(rej), 'the rejections view says plainly when no gateway runs here', rej);

  // Schemas are user input: nothing in them runs.
  await page.goto(base + '/ui/#/subject/xss-value');
  await page.waitForSelector('#field-tree');
  ok(await page.evaluate(() => window.__xss === undefined), 'a <script> in a schema doc does not execute');
  ok((await page.textContent('#field-tree')).includes('<script>window.__xss=1</script>'), 'the doc is shown as text');
  ok(await page.locator('main img').count() === 0, 'no element is created from schema text');

  // Theme and a phone-sized screen.
  const theme = await page.evaluate(() => document.documentElement.getAttribute('data-theme'));
  await page.click('#theme');
  ok(await page.evaluate(() => document.documentElement.getAttribute('data-theme')) !== theme, 'the theme switch toggles light and dark');
  await page.setViewportSize({ width: 390, height: 800 });
  await page.goto(base + '/ui/#/subject/orders-value');
  await page.waitForSelector('#field-tree');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  ok(overflow <= 1, 'the subject page fits a phone screen without sideways scrolling', overflow);
  await page.screenshot({ path: path.join(shots, 'subject-phone.png'), fullPage: true });

  ok(consoleErrors.filter(e => !/404|Not Found/i.test(e)).length === 0, 'no script errors or CSP violations in the console', consoleErrors.join('\n'));
} catch (e) {
  ok(false, 'the browser session ran to the end', e.stack || e);
} finally {
  await browser.close();
}
console.log(`1..${n}`);
process.exit(failed ? 1 : 0);
