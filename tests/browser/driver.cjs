// Load one page in headless Debian Chromium (playwright-core from tools/) and report, as JSON on
// stdout: the page's rendered backend URL and health text, console messages, page errors and failed
// requests. Usage: node driver.cjs '{"url": "...", "hostRules": "...", "chromium": "/usr/bin/chromium"}'
'use strict';

const path = require('node:path');
const os = require('node:os');
const fs = require('node:fs');

const tools = path.resolve(__dirname, '..', '..', 'tools', 'node_modules');
const { chromium } = require(path.join(tools, 'playwright-core'));

async function main() {
  const opts = JSON.parse(process.argv[2]);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'hf-rag-chromium-'));
  const args = [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ];
  if (opts.hostRules) args.push(`--host-resolver-rules=${opts.hostRules}`);
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: opts.chromium,
    headless: true,
    args,
    timeout: 60000,
    ignoreHTTPSErrors: Boolean(opts.ignoreHTTPSErrors),
  });
  const report = { console: [], pageErrors: [], failedRequests: [] };
  try {
    const page = context.pages()[0] || (await context.newPage());
    page.on('console', (m) => report.console.push({ type: m.type(), text: m.text() }));
    page.on('pageerror', (e) => report.pageErrors.push(String(e)));
    page.on('requestfailed', (r) =>
      report.failedRequests.push({ url: r.url(), error: r.failure() && r.failure().errorText }),
    );
    await page.goto(opts.url, { waitUntil: 'load', timeout: 30000 });
    report.location = await page.evaluate(() => window.location.href);
    // Done when the page marks #health, or at once when a script error kills it.
    const crashed = new Promise((_, reject) => page.once('pageerror', (e) => reject(e)));
    crashed.catch(() => {}); // a late error is still in report.pageErrors
    await Promise.race([page.waitForSelector('#health[data-done="true"]', { timeout: 20000 }), crashed]);
    report.baseUrl = await page.textContent('#base-url');
    report.health = await page.textContent('#health');
  } catch (e) {
    report.driverError = String(e && e.stack ? e.stack : e);
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
  process.stdout.write(JSON.stringify(report));
}

main().catch((e) => {
  process.stderr.write(String(e && e.stack ? e.stack : e));
  process.exit(1);
});
