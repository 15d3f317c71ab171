// pageload.mjs - make bench: how long a console page takes, in Debian's
// chromium driven by playwright-core, from navigation until what it shows
// is drawn. The session is made beforehand (console.sh logs in with curl),
// so the time is the page's own: its HTML, scripts, Chart.js, its API calls
// through zhulan-web and the daemon, and the drawing.
//
//   node pageload.mjs URL COOKIE PAGE RUNS
//
// PAGE: dashboard (until the 24-hour chart has its points and the top
// applications, categories and departments tables are drawn) or accesslog
// (until the first page of the search the page starts with, the last 24
// hours, is drawn; then a search with no time range, until its first
// page is drawn). The first run is a cold load with a fresh profile; the
// others reload. Prints one JSON line per run: ms from navigation start
// to drawn (the page's own clock), the wall time around it, and each API
// call's time as the browser saw it.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const [url, cookie, page_, runsArg] = process.argv.slice(2);
const runs = Number(runsArg || 5);
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zl-bench-chromium-'));
const ctx = await chromium.launchPersistentContext(dir, {
	executablePath: CHROMIUM,
	headless: true,
	ignoreHTTPSErrors: true,
	viewport: { width: 1440, height: 900 },
	locale: 'zh-CN',
	args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
		'--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
ctx.setDefaultTimeout(180000);
await ctx.addCookies([{ name: '__Host-zl_session', value: cookie, url, secure: true, httpOnly: true, sameSite: 'Strict' }]);
const page = ctx.pages()[0] || await ctx.newPage();
const errors = [];
page.on('pageerror', e => errors.push(e.message));

// The page's clock when what it shows is drawn: polled every animation
// frame, so within ~16 ms of the drawing.
const drawn = {
	dashboard: () => {
		const canvas = document.querySelector('[data-panel=traffic] canvas');
		const chart = canvas && window.Chart && window.Chart.getChart(canvas);
		const ready = chart && chart.data.labels.length > 0 &&
			['#top-apps', '#top-categories', '#top-departments'].every(s => document.querySelector(s + ' table, ' + s + ' .empty'));
		return ready ? { at: performance.now(), points: chart.data.labels.length,
			rows: document.querySelectorAll('#top-apps tbody tr').length } : false;
	},
	accesslog: () => {
		const r = document.querySelector('#al-result table tbody, #al-result .empty');
		return r ? { at: performance.now(), rows: document.querySelectorAll('#al-result tbody tr').length } : false;
	},
};

function apiTimes() {
	return page.evaluate(() => performance.getEntriesByType('resource')
		.filter(e => e.name.includes('/api/v1/'))
		.map(e => [new URL(e.name).pathname.replace('/api/v1/', '') + new URL(e.name).search, Math.round(e.duration)]));
}

const target = url.replace(/\/$/, '') + '/#/' + page_;
for (let i = 0; i < runs; i++) {
	const t0 = Date.now();
	if (i === 0)
		await page.goto(target, { waitUntil: 'commit' });
	else
		await page.reload({ waitUntil: 'commit' });
	const h = await page.waitForFunction(drawn[page_], null, { polling: 'raf', timeout: 180000 });
	const v = await h.jsonValue();
	const res = { page: page_, run: i, cold: i === 0, ms: Math.round(v.at), wall_ms: Date.now() - t0,
		points: v.points, rows: v.rows, api: await apiTimes() };
	if (page_ === 'accesslog') {
		// the same page, searched with no time range: the newest 100 of all rows
		await page.evaluate(() => performance.clearResourceTimings());
		const s0 = Date.now();
		const before = await page.$('#al-result > *');
		await page.fill('#al-filters [name=from]', '');
		await page.click('#al-filters [data-action=search], #al-filters button[type=submit]');
		await page.waitForFunction((old) => {
			const r = document.querySelector('#al-result > *');
			return r && r !== old && document.querySelector('#al-result table tbody, #al-result .empty');
		}, before, { polling: 'raf', timeout: 180000 });
		res.all_ms = Date.now() - s0;
		res.all_rows = await page.evaluate(() => document.querySelectorAll('#al-result tbody tr').length);
		res.all_api = await apiTimes();
	}
	console.log(JSON.stringify(res));
}
if (errors.length)
	console.log(JSON.stringify({ errors }));
await ctx.close();
fs.rmSync(dir, { recursive: true, force: true });
