// tests/ui/browser-auth.mjs: the schema browser behind authentication, in
// Debian's Chromium driven by playwright-core. Run by tests/ui/browser-auth.sh,
// which starts the registries, registers orders-value, orders-key and
// payments-value, and numbers the unnumbered TAP lines this prints.
// Environment:
//   SG_HTTP_URL    a registry with --auth-file (reader/reader-pw may Read orders-.*)
//   SG_HTTPS_URL   the same on HTTPS, client certificates requested
//                  (CN=ci,O=Example may Read orders-value)
//   SG_HOME_CERT   a HOME whose .pki/nssdb trusts the registry's CA and holds ci's
//                  certificate and key; SG_HOME_NOCERT: the CA only
//   SG_PROFILES    a folder for the Chromium profiles made here
//   SG_SHOTS       a folder for screenshots; SG_PLAYWRIGHT: playwright-core
import { createRequire } from 'node:module';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const require = createRequire(import.meta.url);
const { chromium } = require(process.env.SG_PLAYWRIGHT || 'playwright-core');

const http = process.env.SG_HTTP_URL;
const https = process.env.SG_HTTPS_URL;
const shots = process.env.SG_SHOTS || '.';
const profiles = process.env.SG_PROFILES;
mkdirSync(shots, { recursive: true });

let failed = 0;
function ok(cond, name, detail) {
  console.log(`${cond ? '' : 'not '}ok - ${name}`);
  if (!cond) {
    failed++;
    if (detail !== undefined) console.log('# ' + String(detail).split('\n').join('\n# '));
  }
  return cond;
}

const executablePath = process.env.SG_CHROMIUM || '/usr/bin/chromium';
const args = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

// The subjects the list shows, once it has loaded.
async function listed(page) {
  await page.waitForSelector('#subject-list table', { timeout: 15000 });
  return page.locator('#subject-list tbody tr td.name a').allTextContents();
}

// Opens orders-value from the list and returns the field tree's text.
async function openOrders(page) {
  await page.click('#subject-list tbody tr td.name a:text-is("orders-value")');
  await page.waitForSelector('#field-tree', { timeout: 15000 });
  return page.textContent('#field-tree');
}

function watch(page) {
  const errors = [];
  page.on('pageerror', e => errors.push(String(e)));
  page.on('console', m => { if (m.type() === 'error') errors.push(m.text()); });
  return errors;
}

// Navigates to url expecting a refusal: the status and WWW-Authenticate of
// the response to url, the navigation's error, and the page left behind.
async function refusedNav(page, url) {
  let status = 0, challenge = '';
  page.on('response', r => {
    if (r.url() === url) { status = r.status(); challenge = r.headers()['www-authenticate'] || ''; }
  });
  const error = await page.goto(url).then(r => 'no error, status ' + r.status(), e => String(e).split('\n')[0]);
  return { status, challenge, error, html: await page.content().catch(() => '') };
}

// ---- HTTP Basic: the browser's own credentials ----
async function basic() {
  const browser = await chromium.launch({ executablePath, args });
  try {
    // Headless Chromium has no one to answer its prompt: it receives the
    // 401, cancels the challenge and fails the navigation.
    const none = await refusedNav(await (await browser.newContext()).newPage(), http + '/ui/');
    ok(none.status === 401, 'Basic: without credentials /ui/ answers 401', JSON.stringify(none));
    ok(none.challenge === 'Basic realm="schemagate"', 'Basic: the 401 asks for Basic credentials (WWW-Authenticate)', JSON.stringify(none));
    ok(/ERR_INVALID_AUTH_CREDENTIALS/.test(none.error) && !none.html.includes('subject-list'),
      'Basic: the browser, with no one to ask, shows no page', JSON.stringify(none));

    const wrongCtx = await browser.newContext({ httpCredentials: { username: 'reader', password: 'wrong' } });
    const wrong = await refusedNav(await wrongCtx.newPage(), http + '/ui/');
    // Playwright answers the challenge once; the second 401 is shown as is.
    ok(wrong.status === 401 && !wrong.html.includes('subject-list'),
      'Basic: the browser\'s credentials with a wrong password are refused (401)', JSON.stringify(wrong));

    const context = await browser.newContext({ httpCredentials: { username: 'reader', password: 'reader-pw' } });
    const page = await context.newPage();
    const errors = watch(page);
    const res = await page.goto(http + '/ui/');
    ok(res.status() === 200, 'Basic: with the browser\'s credentials /ui/ answers 200', res.status());
    const names = await listed(page);
    ok(JSON.stringify(names) === '["orders-key","orders-value"]',
      'Basic: the page lists the subjects reader may read (not payments-value)', names);
    const tree = await openOrders(page);
    ok(tree.includes('order_id') && tree.includes('amount'), 'Basic: orders-value opens with its field tree', tree.slice(0, 200));
    const latest = await page.evaluate(async () => (await fetch('/subjects/orders-value/versions/latest')).json());
    const meta = await page.textContent('#version-meta');
    ok(latest.id > 0 && meta.includes(String(latest.id)), 'Basic: the subject page shows the schema id', meta);
    await page.screenshot({ path: path.join(shots, 'auth-basic.png'), fullPage: true });
    // 404s are expected (a subject without a config of its own), as in browser.mjs.
    ok(errors.filter(e => !/404|Not Found/.test(e)).length === 0, 'Basic: no script errors in the console', errors.join('\n'));
  } finally {
    await browser.close();
  }
}

// ---- a client certificate from the NSS database ----
// A profile whose Preferences hold the auto_select_certificate content
// setting for the HTTPS registry: the certificate issued by our CA is chosen
// without a prompt (the AutoSelectCertificateForUrls policy sets the same).
function profile(name) {
  const dir = path.join(profiles, name);
  mkdirSync(path.join(dir, 'Default'), { recursive: true });
  const origin = new URL(https).origin;
  writeFileSync(path.join(dir, 'Default', 'Preferences'), JSON.stringify({
    profile: { content_settings: { exceptions: { auto_select_certificate: {
      [`${origin},*`]: { last_modified: '13360000000000000',
        setting: { filters: [{ ISSUER: { CN: 'schemagate ui test CA' } }] } },
    } } } },
  }));
  return dir;
}

async function mtls() {
  const context = await chromium.launchPersistentContext(profile('cert'), {
    executablePath, args, env: { ...process.env, HOME: process.env.SG_HOME_CERT },
  });
  try {
    const page = context.pages()[0] || await context.newPage();
    const errors = watch(page);
    const res = await page.goto(https + '/ui/');
    ok(res.status() === 200, 'mTLS: with ci\'s certificate from the NSS database /ui/ answers 200 (the registry\'s certificate verified)', res.status());
    const names = await listed(page);
    ok(JSON.stringify(names) === '["orders-value"]',
      'mTLS: the page lists what CN=ci,O=Example may read: orders-value only', names);
    const tree = await openOrders(page);
    ok(tree.includes('order_id'), 'mTLS: orders-value opens with its field tree', tree.slice(0, 200));
    await page.screenshot({ path: path.join(shots, 'auth-mtls.png'), fullPage: true });
    const who = await page.evaluate(async () => (await fetch('/subjects/orders-key/versions')).status);
    ok(who === 403, 'mTLS: the page\'s own request for orders-key is 403 (the certificate is a principal, not a pass)', who);
    ok(errors.filter(e => !/404|Not Found|403|Forbidden/.test(e)).length === 0, 'mTLS: no script errors in the console', errors.join('\n'));
  } finally {
    await context.close();
  }

  const bare = await chromium.launchPersistentContext(profile('nocert'), {
    executablePath, args, env: { ...process.env, HOME: process.env.SG_HOME_NOCERT },
  });
  try {
    const got = await refusedNav(bare.pages()[0] || await bare.newPage(), https + '/ui/');
    ok(got.status === 401 && got.challenge === 'Basic realm="schemagate"' && /ERR_INVALID_AUTH_CREDENTIALS/.test(got.error),
      'mTLS: without a certificate in the NSS database the same page is refused (401, WWW-Authenticate)', JSON.stringify(got));
  } finally {
    await bare.close();
  }
}

try {
  await basic();
  await mtls();
} catch (e) {
  ok(false, 'the browser session ran to the end', e.stack || e);
}
process.exit(failed ? 1 : 0);
