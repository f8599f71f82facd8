// tests/ui/rejections.mjs: the rejections view with real rejections. A running
// `schemagate serve` (SG_URL) has rejected an order that the shell script
// produced through its gateway; the page must list it with its topic, client
// and reason. Prints TAP. Environment as tests/ui/browser.mjs.
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const { chromium } = require(process.env.SG_PLAYWRIGHT || 'playwright-core');

const base = process.env.SG_URL;
let n = 0, failed = 0;
function ok(cond, name, detail) {
  n++;
  console.log(`${cond ? '' : 'not '}ok ${n} - ${name}`);
  if (!cond) { failed++; if (detail !== undefined) console.log('# ' + String(detail).split('\n').join('\n# ')); }
}

const browser = await chromium.launch({
  executablePath: process.env.SG_CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const page = await browser.newPage();
const errors = [];
page.on('pageerror', e => errors.push(String(e)));
try {
  await page.goto(base + '/ui/#/rejections?topic=orders');
  await page.waitForSelector('#rejection-table, #rejections .notice, #rejections .error');
  const text = await page.textContent('#rejections');
  ok(await page.locator('#rejection-table tbody tr').count() >= 1, 'the rejections view lists the rejected batch', text);
  ok(/orders/.test(text) && /enforce/.test(text), 'a row names the topic and the mode', text);
  ok(/\/amount/.test(text) && /number/.test(text), 'the row says why: the field and the rule', text);
  ok(/order-producer/.test(text) && /127\.0\.0\.1/.test(text), 'the row names the client id and address', text);
  ok(page.url().includes('topic=orders'), 'the topic filter is in the URL');
  await page.screenshot({ path: (process.env.SG_SHOTS || '.') + '/rejections.png', fullPage: true });
  ok(errors.length === 0, 'no script errors', errors.join('\n'));
} catch (e) {
  ok(false, 'the browser session ran to the end', e.stack || e);
} finally {
  await browser.close();
}
console.log(`1..${n}`);
process.exit(failed ? 1 : 0);
