// The self-service pages of `mailsync serve` in Debian's chromium, driven by puppeteer-core:
// the owner's link, a wrong then the right password, the status until COMPLETED, the keyboard
// order of the form, and the administrator's page with its filter and CSV. Full-page
// screenshots go to SCREENSHOT_DIR. The owner's password comes from $OWNER_PASSWORD only.
//   node selfservice.mjs NODE_MODULES CHROMIUM LINK ADMIN_TOKEN_FILE SCREENSHOT_DIR
import { createRequire } from 'node:module';
import { readFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';

const [modules, chromium, link, adminTokenFile, screenshots] = process.argv.slice(2);
const ownerPassword = process.env.OWNER_PASSWORD;
if (!screenshots || !ownerPassword) {
  console.error('usage: OWNER_PASSWORD=... node selfservice.mjs NODE_MODULES CHROMIUM LINK ' +
    'ADMIN_TOKEN_FILE SCREENSHOT_DIR');
  process.exit(2);
}
const puppeteer = createRequire(path.join(modules, '/'))('puppeteer-core');
const base = new URL(link).origin;
const token = new URL(link).pathname.split('/').pop();
const phone = { width: 390, height: 844 };
const desktop = { width: 1280, height: 800 };

class Failure extends Error {}
function check(condition, message) {
  if (!condition) throw new Failure(message);
}
function passed(step) {
  console.log(`ok: ${step}`);
}

const problems = []; // console errors, page errors and requests to other hosts, of every page
// Form targets whose refusal (a 4xx page: the form again, with the error) the test provokes:
// chromium logs the status of such a page as a console error.
const refusals = new Set();
function watch(page, label) {
  page.on('console', (message) => {
    const refused = /^Failed to load resource: the server responded with a status of 4\d\d/;
    if (message.type() === 'error' && refused.test(message.text()) &&
        refusals.has(message.location()?.url))
      return;
    if (message.type() === 'error')
      problems.push(`${label}: console error on ${page.url()}: ${message.text()}` +
        (message.location()?.url ? ` (${message.location().url})` : ''));
  });
  page.on('pageerror', (error) => problems.push(`${label}: page error: ${error.message}`));
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.protocol !== 'data:' && url.hostname !== '127.0.0.1')
      problems.push(`${label}: a request to another host: ${request.method()} ${request.url()}`);
  });
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(screenshots, name), fullPage: true });
}

async function submitAndWait(page, button) {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(button)]);
}

// The element ids that Tab reaches from the start of the page, in order (at most `count`).
async function tabOrder(page, count) {
  await page.evaluate(() => document.activeElement && document.activeElement.blur());
  const ids = [];
  for (let i = 0; i < count; ++i) {
    await page.keyboard.press('Tab');
    ids.push(await page.evaluate(() => document.activeElement?.id ?? ''));
  }
  return ids;
}

async function ownerForm(page) {
  const field = await page.$('#password');
  check(field, `no #password field on ${page.url()}:\n${await bodyText(page)}`);
  check(await page.$eval('#password', (e) => e.type) === 'password',
    '#password is not a password input');
  check(await page.$('label[for="password"]'), 'no <label for="password">');
  check(await page.$('#start'), 'no #start button');
}

// The fields of a CSV line (RFC 4180: quoted or not, "" for a quote inside quotes).
function csvFields(line) {
  const fields = [];
  const field = /\s*(?:"((?:[^"]|"")*)"|([^,]*))\s*(,|$)/y;
  for (let found; field.lastIndex < line.length && (found = field.exec(line));) {
    fields.push(found[1] !== undefined ? found[1].replace(/""/g, '"') : found[2]);
    if (found[3] === '')
      break;
  }
  return fields;
}

async function bodyText(page) {
  return page.evaluate(() => document.body?.innerText ?? '');
}

// What the status page shows; null while it is being replaced by its own refresh.
async function statusPage(page) {
  try {
    return await page.evaluate(() => ({
      status: document.querySelector('#status')?.getAttribute('data-status') ?? null,
      progress: document.querySelector('progress#progress') !== null,
      refresh: document.querySelector('meta[http-equiv="refresh" i]') !== null,
      text: document.body?.innerText ?? '',
    }));
  } catch {
    return null;
  }
}

async function owner(browser) {
  const page = await browser.newPage();
  watch(page, 'owner');
  await page.setViewport(phone);

  // a. The link signs the owner in and leaves the token behind. serve may first show a page
  // with a #continue button (so that a mail scanner's GET does not use the single-use link).
  let response = await page.goto(link, { waitUntil: 'load' });
  if (new URL(page.url()).pathname.startsWith('/m/') && (await page.$('#continue'))) {
    passed('the link shows a page with a Continue button');
    [response] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('#continue')]);
  }
  const landed = new URL(page.url());
  check(landed.pathname === '/owner',
    `the link landed on ${page.url()} (${response.status()}), not /owner:\n${await bodyText(page)}`);
  check(!page.url().includes(token), 'the token is still in the address after the redirect');
  check(response.ok(), `/owner answered ${response.status()}`);
  passed('the link redirects to /owner, without the token in the address');

  // b. The form, then a wrong password.
  await ownerForm(page);
  check((await bodyText(page)).includes('m37@example.test'),
    'the owner page does not name the source mailbox m37@example.test');
  await shot(page, 'owner-form.png');
  passed('/owner shows the migration of m37@example.test and the password form');

  // d. The keyboard reaches the password before the button.
  const order = await tabOrder(page, 10);
  const field = order.indexOf('password');
  const start = order.indexOf('start');
  check(field >= 0 && start >= 0 && field < start,
    `Tab does not reach #password before #start: ${order.join(', ')}`);
  passed(`Tab reaches #password before #start (${order.slice(0, start + 1).join(' → ')})`);

  await page.type('#password', 'not-the-password');
  refusals.add(await page.$eval('#start', (button) => button.form.action));
  await submitAndWait(page, '#start');
  const error = await page.$('#error');
  check(error, `a wrong password shows no #error:\n${await bodyText(page)}`);
  check(await page.$eval('#error', (e) => e.getAttribute('role')) === 'alert',
    '#error has no role="alert"');
  const said = await page.$eval('#error', (e) => e.innerText);
  check(/password|refused/i.test(said), `#error does not say what went wrong: "${said}"`);
  await ownerForm(page);
  check(new URL(page.url()).pathname.startsWith('/owner'),
    `the wrong password left the owner's pages: ${page.url()}`);
  await shot(page, 'owner-error.png');
  passed(`a wrong password is refused in plain words ("${said.trim()}") and the form is back`);

  // c. The right password, then the status until COMPLETED.
  await page.type('#password', ownerPassword);
  await submitAndWait(page, '#start');
  check(new URL(page.url()).pathname === '/owner', `the password led to ${page.url()}, not /owner`);
  const seen = [];
  const deadline = Date.now() + 120_000;
  for (;;) {
    const shown = await statusPage(page);
    if (shown !== null && shown.status !== null) {
      if (seen[seen.length - 1] !== shown.status)
        seen.push(shown.status);
      check(shown.status === 'PENDING' || shown.status === 'COMPLETED',
        `the status became ${shown.status}:\n${shown.text}`);
      check(shown.progress, `the status page (${shown.status}) has no <progress id="progress">`);
      check(shown.status !== 'PENDING' || shown.refresh,
        'the PENDING status page does not refresh itself (no <meta http-equiv="refresh">)');
      if (shown.status === 'COMPLETED')
        break;
    }
    check(Date.now() < deadline, `no COMPLETED within 120 s; statuses seen: ${seen.join(' → ')}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  await page.waitForSelector('#status[data-status="COMPLETED"]');
  await shot(page, 'owner-status.png');
  passed(`the right password starts the migration: ${seen.join(' → ')}`);
  await page.close();
}

async function admin(browser) {
  const page = await browser.newPage();
  watch(page, 'admin');
  await page.setViewport(desktop);

  // e. Signing in with the token of the file.
  await page.goto(`${base}/admin`, { waitUntil: 'load' });
  check(await page.$('#admin-token'), `/admin shows no #admin-token field:\n${await bodyText(page)}`);
  check(await page.$eval('#admin-token', (e) => e.type) === 'password',
    '#admin-token is not a password input');
  check(!(await page.$('#migrations')), '/admin shows the migrations before signing in');
  await page.type('#admin-token', readFileSync(adminTokenFile, 'utf8').trim());
  await submitAndWait(page, '#sign-in');
  check(await page.$('table#migrations'), `signing in shows no table#migrations:\n${await bodyText(page)}`);
  check(await page.$('tr[data-name="m37"][data-status="COMPLETED"]'),
    'the table has no row tr[data-name="m37"][data-status="COMPLETED"]');
  passed('/admin signs in with the token and lists m37 as COMPLETED');

  // The filter: another status hides m37, COMPLETED shows it and only COMPLETED rows.
  const options = await page.$$eval('select#filter[name="status"] option', (all) => all.map((o) => o.value));
  check(options.includes('COMPLETED'), `select#filter[name=status] offers no COMPLETED: ${options}`);
  const other = options.find((value) => value !== '' && value !== 'COMPLETED');
  if (other) {
    await page.select('select#filter', other);
    await submitAndWait(page, '#apply-filter');
    check(!(await page.$('tr[data-name="m37"]')), `the filter ${other} still shows m37`);
  }
  await page.select('select#filter', 'COMPLETED');
  await submitAndWait(page, '#apply-filter');
  const rows = await page.$$eval('#migrations tr[data-name]', (all) => all.map((r) => r.getAttribute('data-status')));
  check(rows.length > 0 && rows.every((s) => s === 'COMPLETED'),
    `the COMPLETED filter shows: ${rows.join(', ')}`);
  check(await page.$('tr[data-name="m37"][data-status="COMPLETED"]'), 'the COMPLETED filter hides m37');
  passed(`the filter shows only COMPLETED rows${other ? ` (and ${other} hides m37)` : ''}`);

  // The CSV, fetched with the page's session (its Content-Security-Policy keeps the page's
  // own scripts from fetching), and refused without it.
  const href = await page.$eval('a#csv', (a) => a.href);
  check(new URL(href).pathname === '/admin/migrations.csv', `#csv links to ${href}`);
  const session = (await page.cookies(href)).map((c) => `${c.name}=${c.value}`).join('; ');
  const answer = await fetch(href, { headers: { cookie: session } });
  const csv = await answer.text();
  check(answer.status === 200, `/admin/migrations.csv answered ${answer.status}`);
  const lines = csv.split(/\r?\n/);
  check(lines[0].startsWith('name,'), `the CSV's header is "${lines[0]}"`);
  const status = csvFields(lines[0]).indexOf('status');
  check(status > 0, `the CSV has no status column: "${lines[0]}"`);
  check(lines.some((line) => csvFields(line)[0] === 'm37' && csvFields(line)[status] === 'COMPLETED'),
    `the CSV has no line for m37 with the status COMPLETED:\n${csv}`);
  const stranger = await fetch(href, { redirect: 'manual' });
  const strangerType = stranger.headers.get('content-type') ?? '';
  check(!strangerType.startsWith('text/csv') && !(await stranger.text()).includes('m37'),
    '/admin/migrations.csv lists the migrations without a session');
  await shot(page, 'admin.png');
  passed(`#csv links to /admin/migrations.csv: "${lines[0]}" (${answer.headers.get('content-type')}); ` +
    `without the session: ${stranger.status} ${strangerType}, no CSV`);
  await page.close();
}

mkdirSync(screenshots, { recursive: true });
const root = typeof process.getuid === 'function' && process.getuid() === 0;
const browser = await puppeteer.launch({
  executablePath: chromium,
  headless: true,
  args: root ? ['--no-sandbox'] : [],
});
let code = 0;
try {
  await owner(browser);
  await admin(browser);
  // f. Every page, start to end.
  check(problems.length === 0, `the pages had problems:\n  ${problems.join('\n  ')}`);
  passed('no console errors, and no request left 127.0.0.1');
} catch (error) {
  console.error(`FAILED: ${error instanceof Failure ? error.message : error.stack}`);
  if (problems.length)
    console.error(`also seen:\n  ${problems.join('\n  ')}`);
  code = 1;
} finally {
  await browser.close();
}
process.exit(code);
