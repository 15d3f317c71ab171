// console.test.js - the console in a real browser against the real
// zhulan-web and daemon that tests/integration/console.sh starts on the lab.
// ZL_CONSOLE names a JSON file:
//   {"url": "https://127.0.0.1:PORT/", "shots": DIR,
//    "accounts": {"admin": {"user", "password"}, "security": ..., "auditor": ..., "report": ...},
//    "xss": "<img src=x onerror=alert(1)>", "xss_client": "192.0.2.11",
//    "douyin_client": "192.0.2.10", "hosts_csv": "..."}
// Prints TAP lines without numbers (console.sh numbers them).
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { launch, watch, login, next, logout, totp, ok, diag, failed, apiStatus, apiJson } from './lib.js';
import { incidentsScenario, auditorIncidents, reportsScenario } from './security.js';

const cfg = JSON.parse(fs.readFileSync(process.env.ZL_CONSOLE, 'utf8'));
// the catalogue's keys: one of them on a page is a string left untranslated
const ZH = new Map([...fs.readFileSync(new URL('../../webui/static/i18n/zh-CN.js', import.meta.url), 'utf8')
	.matchAll(/^\t'([^']+)': '([^']*)'/gm)].map(m => [m[1], m[2]]));
const KEYS = new Set(ZH.keys());
// the daemon's raw identifiers the Chinese console names in Chinese (js/names.js):
// nDPI's categories ("Video"), its "Unknown" application, the audit log's
// action codes ("access-log query"); one of them alone in a table cell of
// the Chinese console is an English word left for a user to decode
const RAW = new Set([...ZH].filter(([k, v]) => /^(cat|app|chain|audit\.act)\./.test(k) && !k.endsWith('.' + v))
	.map(([k]) => k.replace(/^(cat|app|chain|audit\.act)\./, '')));
const URL0 = cfg.url;
const NEWPW = 'Zl-Console-2026!';

// Which role sees which page, and the element each page shows once loaded.
const NAV = {
	admin: ['dashboard', 'policy', 'behaviour', 'hosts', 'users', 'system', 'ipv6', 'reports'],
	security: ['dashboard', 'flows', 'accesslog', 'incidents'],
	auditor: ['audit', 'incidents'],
	report: ['dashboard', 'ipv6', 'reports'],
};
const READY = {
	dashboard: '#dash-stats .stat',
	flows: '#flows-result table, #flows-result .empty',
	accesslog: '#al-result table, #al-result .empty',
	policy: '#policy-version',
	behaviour: '#bh-rules table, #bh-rules .empty',
	hosts: '#hosts-list table, #hosts-list .empty',
	users: '#users-list table',
	system: '#sys-ifaces table, #sys-ifaces .empty',
	audit: '#audit-result table, #audit-result .empty',
	account: '#account-user',
	ipv6: '#v6-sites .site-list, #v6-sites .empty',
	incidents: '#inc-list table, #inc-list .empty',
	reports: '#rep-list table, #rep-list .empty',
};
// API calls each role's console may not make (the daemon answers 403).
const REFUSED = {
	admin: ['access-log', 'audit', 'flows', 'top?what=hosts', 'incidents'],
	security: ['users', 'policy', 'policy/history', 'audit'],
	auditor: ['users', 'policy', 'flows', 'hosts', 'status', 'reports'],
	report: ['flows', 'access-log', 'users', 'policy', 'hosts', 'top?what=hosts', 'ipv6/hosts', 'incidents'],
};
// The enrolment runs in one language per account, so that both languages'
// password and TOTP pages are photographed.
const ENROL_LANG = { admin: 'zh-CN', security: 'en', auditor: 'en', report: 'zh-CN' };
const NEEDS_TOTP = { admin: true, security: true, auditor: true, report: false };
// a second role's view of a page is photographed under its own name
const SHOT_AS = { 'auditor:incidents': 'incidents-auditor', 'admin:reports': 'reports-admin' };

function shotPath(lang, name) {
	const dir = path.join(cfg.shots, lang);
	fs.mkdirSync(dir, { recursive: true });
	return path.join(dir, name + '.png');
}

async function shot(page, lang, name) {
	await page.waitForTimeout(400);   // charts and late panels settle
	await page.screenshot({ path: shotPath(lang, name), fullPage: true });
}

async function setLang(page, lang) {
	const cur = await page.evaluate(() => document.documentElement.lang);
	if (cur !== lang)
		await page.click(`[data-lang="${lang}"]`);
}

async function visit(page, id) {
	await page.evaluate((h) => { location.hash = h; }, '#/' + id);
	await page.waitForSelector(`#page-body[data-page="${id}"]`);
	await page.waitForSelector(READY[id]);
}

async function errorBanner(page) {
	const b = await page.$('#page-alerts .banner-error');
	return b ? (await b.textContent()).trim() : '';
}

// ---------- first login: one-time password, new password, TOTP ----------

// What a phone's camera reads from the QR code on the screen (zbarimg).
async function scanQr(page, role, acct) {
	const file = path.join(cfg.shots, `.qr-${role}.png`);
	await (await page.$('#totp-qr')).screenshot({ path: file });
	let uri = '';
	try {
		uri = execFileSync('zbarimg', ['-q', '--raw', file], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
	} catch (e) {
		if (e.code === 'ENOENT') {
			ok(true, `${role}: the QR code scans # SKIP zbarimg not installed (zbar-tools)`);
			return;
		}
	} finally {
		fs.rmSync(file, { force: true });
	}
	ok(uri.startsWith('otpauth://totp/') && uri.includes('secret=' + acct.secret),
		`${role}: the QR code scans as the otpauth URI with the shown secret (${uri.replace(/secret=[A-Z2-7]+/, 'secret=…')})`);
}

async function enrol(page, role, acct) {
	await page.goto(URL0);
	await page.evaluate((l) => localStorage.setItem('zhulan.lang', l), ENROL_LANG[role]);
	let r = await login(page, URL0, acct);
	if (!ok(r.view === 'password', `${role}: the one-time password leads to the password change (${r.view} ${r.text || ''})`))
		return false;
	const rules = await page.$$eval('#password-form .rule', (l) => l.map(x => x.textContent));
	ok(rules.length === 4, `${role}: the password rules are listed (${rules.join('; ')})`);
	await shot(page, ENROL_LANG[role], 'password-change');
	await page.fill('#f-old', acct.password);
	await page.fill('#f-new', 'short');
	await page.fill('#f-again', 'short');
	await page.click('[data-action=change-password]');
	const refused = await page.waitForSelector('#password-alerts .banner-error');
	const why = (await refused.textContent()).trim();
	ok(ENROL_LANG[role] === 'zh-CN' ? why.includes('至少 10 个字符') : /at least 10 characters/i.test(why),
		`${role}: a password against the rules is refused, the rule named in the page's language: ${why}`);
	await page.fill('#f-old', acct.password);
	await page.fill('#f-new', NEWPW);
	await page.fill('#f-again', NEWPW);
	await page.click('[data-action=change-password]');
	acct.password = NEWPW;
	await page.waitForSelector('#password-form', { state: 'detached' });
	r = await next(page);
	if (NEEDS_TOTP[role]) {
		if (!ok(r.view === 'totp', `${role}: then TOTP enrolment (${r.view})`))
			return false;
		const el = await page.waitForSelector('#totp-secret[data-secret]:not([data-secret=""])');
		acct.secret = await el.getAttribute('data-secret');
		const shown = (await el.textContent()).replace(/\s/g, '');
		ok(shown === acct.secret && /^[A-Z2-7]{16,}$/.test(acct.secret), `${role}: the secret is shown (${acct.secret.length} characters)`);
		const dark = await page.$eval('#totp-qr', (c) => {
			const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
			let n = 0;
			for (let i = 0; i < d.length; i += 4)
				if (d[i] < 128)
					n++;
			return { n, all: d.length / 4, w: c.width };
		});
		ok(dark.n > dark.all * 0.15 && dark.n < dark.all * 0.6, `${role}: the QR code is drawn on the canvas (${dark.w} px, ${Math.round(100 * dark.n / dark.all)}% dark)`);
		await shot(page, ENROL_LANG[role], 'totp-enrol');
		await scanQr(page, role, acct);
		await page.fill('#f-code', '000000' === (await totp({ secret: acct.secret })) ? '111111' : '000000');
		await page.click('[data-action=totp-finish]');
		const bad = await page.waitForSelector('#totp-alerts .banner-error');
		ok(!!bad, `${role}: a wrong code is refused: ${(await bad.textContent()).trim()}`);
		await page.fill('#f-code', await totp(acct));
		await page.click('[data-action=totp-finish]');
		await page.waitForSelector('#totp-form', { state: 'detached' });
		r = await next(page);
	}
	return ok(r.view === 'app', `${role}: enrolled, the console opens (${r.view})`);
}

// ---------- each role's pages ----------

async function rolePages(page, role, acct, watcher) {
	const errorsBefore = watcher.errors.length;
	const r = await login(page, URL0, acct);
	if (!ok(r.view === 'app', `${role}: logs in with password${NEEDS_TOTP[role] ? ' and TOTP code' : ''} (${r.view} ${r.text || ''})`))
		return false;
	const who = (await page.textContent('#top-user')).trim();
	ok(who === acct.user, `${role}: the top bar names the user (${who})`);
	const nav = await page.$$eval('.nav [data-nav]', (l) => l.map(a => a.dataset.nav));
	ok(JSON.stringify(nav) === JSON.stringify(NAV[role]), `${role}: the navigation shows exactly its pages (${nav.join(', ')})`);
	for (const id of [...NAV[role], 'account']) {
		await setLang(page, 'zh-CN');
		await visit(page, id);
		const err = await errorBanner(page);
		ok(err === '', `${role}: ${id} opens without an error${err ? ' (' + err + ')' : ''}`);
		const name = (id === 'dashboard' || id === 'ipv6') && role !== 'admin' ? `${id}-${role}` :
			id === 'account' ? `account-${role}` : SHOT_AS[`${role}:${id}`] || id;
		await shot(page, 'zh-CN', name);
		await wordsLeft(page, role, id, 'zh-CN');
		await setLang(page, 'en');
		await page.waitForSelector(READY[id]);
		const title = (await page.textContent('.page-title')).trim();
		ok(/^[A-Za-z0-9 ]+$/.test(title), `${role}: ${id} in English (${title})`);
		await shot(page, 'en', name);
		await wordsLeft(page, role, id, 'en');
		await setLang(page, 'zh-CN');
	}
	// a forbidden page by its address: not shown
	const other = ['users', 'accesslog', 'audit', 'flows'].find(p => !NAV[role].includes(p));
	await page.evaluate((h) => { location.hash = h; }, '#/' + other);
	await page.waitForTimeout(300);
	const shownPage = await page.getAttribute('#page-body', 'data-page');
	ok(shownPage !== other, `${role}: #/${other} is not shown (${shownPage} instead)`);
	for (const p of REFUSED[role]) {
		const st = await apiStatus(page, p);
		ok(st === 403, `${role}: GET /api/v1/${p} is refused with 403 (${st})`);
	}
	await narrow(page, role);
	const errs = watcher.errors.slice(errorsBefore);
	ok(errs.length === 0, `${role}: no script error or CSP refusal${errs.length ? ' (' + errs.join('; ').slice(0, 300) + ')' : ''}`);
	return true;
}

// What a page shows in LANG: no catalogue key (a string left untranslated)
// and, in Chinese, no table cell whose first line is a raw identifier the
// console has a Chinese name for.
async function wordsLeft(page, role, id, lang) {
	await page.waitForTimeout(300);   // late panels (the dashboard's top lists)
	const text = await page.evaluate(() => document.body.innerText);
	const keys = [...text.matchAll(/[a-z][a-z0-9_-]*\.[a-z0-9_.-]*[a-z0-9_]/g)].map(m => m[0]).filter(k => KEYS.has(k));
	ok(keys.length === 0, `${role}: ${id} (${lang}) shows no catalogue key${keys.length ? ' (' + keys.join(', ') + ')' : ''}`);
	if (lang !== 'zh-CN')
		return;
	const cells = await page.$$eval('#page-body td', (l) => l.map(td =>
		((td.firstElementChild && td.firstElementChild.tagName === 'DIV' ? td.firstElementChild : td).innerText || '').trim()));
	const left = [...new Set(cells.filter(c => RAW.has(c)))];
	ok(left.length === 0, `${role}: ${id} in Chinese names no category, application or audit action by its raw English identifier` +
		(left.length ? ' (' + left.slice(0, 8).join(', ') + ')' : ` (${cells.length} cells)`));
}

// A 1280 px wide window (a county office's laptop): every page's tables
// fit their panels (no column pushed out of sight), the page itself does
// not scroll sideways. The IPv6 and reports pages are left to their own tests.
async function narrow(page, role) {
	await page.setViewportSize({ width: 1280, height: 800 });
	try {
		for (const id of NAV[role].filter(p => p !== 'ipv6' && p !== 'reports')) {
			await visit(page, id);
			await page.waitForTimeout(600);
			const over = await page.evaluate(() => ({
				tables: [...document.querySelectorAll('#page-body .tbl-wrap')].map(w => ({
					panel: (w.closest('[data-panel]') || {}).dataset?.panel || '?', px: w.scrollWidth - w.clientWidth,
				})).filter(x => x.px > 1),
				page: document.documentElement.scrollWidth - window.innerWidth,
			}));
			ok(!over.tables.length && over.page <= 0, `${role}: ${id} at 1280 px: the tables fit` +
				(over.tables.length || over.page > 0 ? ` (too wide: ${over.tables.map(x => x.panel + ' by ' + x.px + ' px').join(', ')}; page by ${over.page} px)` : ''));
			await shot(page, 'zh-CN-1280', `${id}-${role}`);
		}
	} finally {
		await page.setViewportSize({ width: 1440, height: 900 });
	}
}

// ---------- policy: error at its line, fixed, applied with confirm ----------

async function policyScenario(page) {
	await visit(page, 'policy');
	await page.waitForFunction(() => document.querySelector('#policy-text').value.length > 0);
	const text = await page.inputValue('#policy-text');
	const lines = text.replace(/\n+$/, '').split('\n');
	const bad = lines.length + 1;
	await page.fill('#policy-text', lines.join('\n') + '\nblokc from lan to wan\n');
	await page.click('[data-action=check]');
	await page.waitForSelector('#policy-diags');
	const where = await page.$$eval('#policy-diags .diag-where', (l) => l.map(b => b.dataset.line));
	ok(where.includes(String(bad)), `policy: check shows the error at line ${bad} (${where.join(',')})`);
	const msg = await page.textContent('#policy-diags');
	diag('check said: ' + msg.trim().slice(0, 200));
	const marked = await page.$$eval('.ed-gutter .ed-err', (l) => l.map(x => x.dataset.ln));
	ok(marked.includes(String(bad)), `policy: the gutter marks line ${bad} (${marked.join(',')})`);
	await page.click(`#policy-diags .diag-where[data-line="${bad}"]`);
	const sel = await page.$eval('#policy-text', (ta) => {
		const before = ta.value.slice(0, ta.selectionStart);
		return { line: before.split('\n').length, focus: document.activeElement === ta };
	});
	ok(sel.line === bad && sel.focus, `policy: a click on the error puts the cursor on line ${bad} (${sel.line})`);
	await shot(page, 'zh-CN', 'policy-error');
	await page.fill('#policy-text', lines.join('\n') + '\n# checked and applied from the console test\n');
	await page.click('[data-action=check]');
	const okBanner = await page.waitForSelector('#policy-check-ok');
	ok(!!okBanner, `policy: fixed, the check passes (${(await okBanner.textContent()).trim()})`);
	await page.click('[data-action=diff]');
	await page.waitForSelector('#policy-out .panel');
	await page.fill('#f-comment', 'console test');
	await page.selectOption('#f-confirm', '120');
	await page.click('[data-action=apply]');
	await page.click('[data-action=modal-ok]');
	const pending = await page.waitForSelector('#pending-banner', { timeout: 10000 }).catch(() => null);
	ok(!!pending, `policy: applied with a confirmation time, the countdown banner shows: ${pending ? (await pending.textContent()).trim() : 'none'}`);
	await shot(page, 'zh-CN', 'policy-pending');
	await visit(page, 'system');
	const still = await page.waitForSelector('#pending-banner', { timeout: 7000 }).catch(() => null);
	const t1 = still ? (await still.textContent()).match(/\d\d:\d\d/) : null;
	await page.waitForTimeout(2100);
	const t2 = still ? (await page.textContent('#pending-banner')).match(/\d\d:\d\d/) : null;
	ok(!!still && t1 && t2 && t1[0] !== t2[0], `policy: the banner is on the other pages too, counting down (${t1} → ${t2})`);
	const st0 = await apiJson(page, 'policy');
	ok(st0.state === 'pending', `policy: the daemon holds the version as pending (${st0.state}, v${st0.version})`);
	await page.click('[data-action=pending-confirm]');
	await page.waitForSelector('#pending-banner', { state: 'detached', timeout: 10000 }).catch(() => {});
	const gone = !(await page.$('#pending-banner'));
	const st1 = await apiJson(page, 'policy');
	ok(gone && st1.state === 'confirmed' && st1.version === st0.version,
		`policy: confirmed from the banner; the banner goes (${st1.state}, v${st1.version})`);
	// applied again, then reverted from the banner: the change is gone
	await visit(page, 'policy');
	await page.waitForFunction(() => document.querySelector('#policy-text').value.includes('console test'));
	const kept = await page.inputValue('#policy-text');
	await page.fill('#policy-text', kept + '# to be reverted\n');
	await page.selectOption('#f-confirm', '60');
	await page.click('[data-action=apply]');
	await page.click('[data-action=modal-ok]');
	await page.waitForSelector('#pending-banner', { timeout: 10000 });
	await page.click('[data-action=pending-revert]');
	await page.waitForSelector('#pending-banner', { state: 'detached', timeout: 10000 }).catch(() => {});
	const st2 = await apiJson(page, 'policy');
	ok(!(await page.$('#pending-banner')) && st2.state !== 'pending' && !st2.text.includes('to be reverted'),
		`policy: another version reverted from the banner: the change is gone (${st2.state}, v${st2.version})`);
	await page.click('[data-tab=history]');
	await page.waitForSelector('[data-panel=history] table');
	const hist = await page.textContent('[data-panel=history] table');
	ok(hist.includes('console test') && hist.includes('v' + st1.version), 'policy: the history lists the version with its comment');
	ok(hist.includes('首次启动时加载的配置文件') && !hist.includes('at first start'), 'policy: the daemon\'s own comment on version 1 in Chinese');
	await shot(page, 'zh-CN', 'policy-history');
	await page.click('[data-tab=counters]');
	await page.waitForSelector('[data-panel=counters] table');
	const chains = await page.$$eval('[data-panel=counters] tbody tr td:first-child', (l) => [...new Set(l.map(td => td.textContent))]);
	ok(chains.includes('转发') && !chains.includes('forward'), `policy: the counters name the chains in Chinese (${chains.join(', ')})`);
	await shot(page, 'zh-CN', 'policy-counters');
}

// ---------- behaviour: the rules with their hits, the blocks held ----------

async function behaviourScenario(page) {
	await visit(page, 'behaviour');
	await page.waitForSelector('#bh-blocks table, #bh-blocks .empty');
	const blocks = await page.$$eval('#bh-blocks tbody tr', (l) => l.map(x => x.textContent));
	ok(blocks.some(r => r.includes(cfg.douyin_client) && r.includes('Douyin')),
		`behaviour: the block of ${cfg.douyin_client}'s Douyin is listed with its time left (${blocks.length} blocks)`);
	const rules = await page.$$eval('#bh-rules tbody tr', (l) => l.map(x => [...x.cells].map(c => c.textContent.trim())));
	const douyin = rules.find(r => r.some(c => /Douyin/.test(c)));
	ok(douyin && +douyin[douyin.length - 1].replace(/\D/g, '') >= 1,
		`behaviour: the Douyin rule shows its hits (${douyin ? douyin.join(' | ') : 'no such rule'})`);
}

// ---------- users: add (one-time password once), disable, enable, reset ----------

async function usersScenario(page) {
	await visit(page, 'users');
	const name = 'zlnew' + (Date.now() % 100000);
	await page.fill('#f-name', name);
	await page.selectOption('#f-role', 'report');
	await page.click('[data-action=add-user]');
	const pw = await page.waitForSelector('#onetime-password');
	const one = (await pw.textContent()).trim();
	ok(one.length >= 10, `users: adding ${name} shows its one-time password once (${one.length} characters)`);
	await shot(page, 'zh-CN', 'users-added');
	await page.click('[data-action=modal-ok]');
	await page.waitForSelector(`[data-action="disable-${name}"]`);
	ok(!(await page.$('#onetime-password')), 'users: closed, the password is not shown again');
	await page.click(`[data-action="disable-${name}"]`);
	await page.click('[data-action=modal-ok]');
	await page.waitForSelector(`[data-action="enable-${name}"]`);
	const list = await apiJson(page, 'users');
	const u = (list.users || []).find(x => x.name === name);
	ok(u && u.enabled === false, `users: disabled from the list (enabled ${u && u.enabled})`);
	await page.click(`[data-action="enable-${name}"]`);
	await page.click('[data-action=modal-ok]');
	await page.waitForSelector(`[data-action="disable-${name}"]`);
	await page.click(`[data-action="passwd-${name}"]`);
	await page.click('[data-action=modal-ok]');
	const pw2 = await page.waitForSelector('#onetime-password');
	const two = (await pw2.textContent()).trim();
	ok(two.length >= 10 && two !== one, 'users: a password reset shows a new one-time password');
	await page.click('[data-action=modal-ok]');
	const after = ((await apiJson(page, 'users')).users || []).find(x => x.name === name);
	ok(after && after.must_change === true && after.enabled === true, `users: ${name} is enabled again and must change the new password`);
}

// ---------- system: the certificate the browser sees ----------

async function systemScenario(page) {
	await visit(page, 'system');
	const fp = await page.waitForSelector('#sys-fingerprint');
	const shown = (await fp.textContent()).trim().toUpperCase();
	ok(cfg.fingerprint && shown === cfg.fingerprint.toUpperCase(),
		`system: the web certificate's fingerprint is the one the server presents (${shown.slice(0, 23)}…)`);
}

// ---------- address book ----------

async function hostsScenario(page) {
	await visit(page, 'hosts');
	const pick = (await page.textContent('[data-action=pick-file]')).trim();
	await page.setInputFiles('#hosts-file', { name: 'hosts.csv', mimeType: 'text/csv', buffer: Buffer.from(cfg.hosts_csv) });
	const chosen = (await page.textContent('#hosts-file-name')).trim();
	const native = await page.$eval('#hosts-file', (el) => el.getBoundingClientRect().width);
	ok(pick === '选择 CSV 文件…' && chosen === 'hosts.csv' && native <= 1,
		`hosts: the file button speaks Chinese, the chosen file's name beside it (${pick}; ${chosen}; the browser's own button ${native} px wide)`);
	await page.click('[data-action=import]');
	const res = await page.waitForSelector('#hosts-import-result .banner');
	const msgs = await page.$$eval('#hosts-messages li', (l) => l.map(x => x.textContent));
	ok(msgs.some(m => /line \d+: "192\.0\.2\.300"/.test(m)), `hosts: the bad row is listed by line (${msgs.join(' | ')}); ${(await res.textContent()).trim()}`);
	await page.waitForFunction(() => document.querySelectorAll('#hosts-list tbody tr').length > 0);
	await page.fill('#f-q', '教育局');
	const rows = await page.$$eval('#hosts-list tbody tr', (l) => l.map(x => x.textContent));
	ok(rows.length > 0 && rows.every(r => r.includes('教育局')), `hosts: the search finds the department's rows (${rows.length})`);
	await shot(page, 'zh-CN', 'hosts-import');
}

// ---------- access log and what the network named ----------

async function accessLogScenario(page) {
	await visit(page, 'accesslog');
	await page.fill('#f-host', cfg.douyin_client);
	await page.fill('#f-app', 'Douyin');
	await page.selectOption('#f-action', 'block');
	await page.click('#al-filters [data-action=search]');
	await page.waitForFunction(() => document.querySelector('#al-result table, #al-result .empty'));
	await page.waitForTimeout(300);
	const rows = await page.$$eval('#al-result tbody tr', (l) => l.map(x => x.textContent));
	ok(rows.some(r => r.includes('TLS.Douyin') && r.includes(cfg.douyin_client)),
		`access log: a search by host, app and action finds the blocked Douyin access (${rows.length} rows)`);
	if (rows.length)
		diag('first row: ' + rows[0]);
	const [dl] = await Promise.all([
		page.waitForEvent('download', { timeout: 10000 }).catch(() => null),
		page.click('[data-action=export]'),
	]);
	let csv = '';
	if (dl) {
		const p = await dl.path();
		csv = p ? fs.readFileSync(p, 'utf8') : '';
	}
	ok(csv.includes('TLS.Douyin') && csv.split('\n').length >= 2, `access log: CSV export downloads the same search (${csv.length} bytes)`);
	await shot(page, 'zh-CN', 'accesslog-douyin');
}

// The SNI and HTTP Host the lab sent: shown as typed, never run.
async function xssScenario(page, watcher) {
	const before = watcher.dialogs.length, errorsBefore = watcher.errors.length;
	await visit(page, 'flows');
	await page.click('[data-tab=stored]');
	await page.fill('#f-host', cfg.xss_client);
	await page.click('#flows-filters [data-action=search]');
	await page.waitForTimeout(800);
	const hosts = await page.$$eval('#flows-result td.host-name', (l) => l.map(x => x.textContent));
	const made = async () => page.$$eval('img', (l) => l.filter(i => i.getAttribute('src') === 'x').length);
	const imgFlows = await made();
	const n = hosts.filter(x => x === cfg.xss).length;
	ok(n >= 2, `xss: the stored flows show the SNI and the Host as typed (${n} of ${hosts.length})`);
	const longCell = await page.$$eval('#flows-result td.host-name', (l, sni) => l.filter(td => td.title === sni)
		.map(td => ({ text: td.textContent, cut: td.scrollWidth > td.clientWidth })), cfg.long_sni);
	ok(longCell.length >= 1 && longCell[0].text === cfg.long_sni, `flows: the ${cfg.long_sni.length}-character SNI shows, its whole name in the tooltip (${longCell.length ? (longCell[0].cut ? 'cut short' : 'whole') : 'no cell with it as its tooltip'})`);
	await shot(page, 'zh-CN', 'flows-xss');
	await visit(page, 'accesslog');
	await page.fill('#f-host', cfg.xss_client);
	await page.click('#al-filters [data-action=search]');
	await page.waitForTimeout(800);
	const doms = await page.$$eval('#al-result .al-domain', (l) => l.map(x => x.textContent));
	const m = doms.filter(x => x === cfg.xss).length;
	const longTip = await page.$$eval('#al-result .al-domain', (l, sni) => l.filter(d => d.title === sni && d.textContent === sni).length, cfg.long_sni);
	ok(longTip >= 1, `access log: the ${cfg.long_sni.length}-character SNI, cut to its column, has its whole name in the tooltip (${longTip})`);
	ok(m >= 1, `xss: the access log shows the name as typed (${m} of ${doms.length})`);
	const imgLog = await made();
	await visit(page, 'dashboard');
	await page.waitForTimeout(1000);
	const imgDash = await made();
	ok(imgFlows + imgLog + imgDash === 0, `xss: no element was made from the text (img src=x: flows ${imgFlows}, access log ${imgLog}, dashboard ${imgDash})`);
	ok(watcher.dialogs.length === before, `xss: no dialog opened on flows, access log or dashboard`);
	const csp = watcher.errors.slice(errorsBefore);
	ok(csp.length === 0, `xss: no script refused by the CSP on those pages${csp.length ? ' (' + csp[0].slice(0, 120) + ')' : ''}`);
}

// ---------- nDPI's names in Chinese ----------

// The dashboard and the flows name nDPI's categories in Chinese, the raw
// name in the tooltip; the flows' category filter offers them by that name.
async function namesScenario(page) {
	await setLang(page, 'zh-CN');
	await visit(page, 'dashboard');
	await page.click('[data-tab=day]');
	await page.waitForSelector('#top-categories td span[title="Video"]', { timeout: 10000 }).catch(() => null);
	const cats = await page.$$eval('#top-categories tbody tr td:first-child', (l) => l.map(td => ({ text: td.textContent, raw: td.querySelector('[title]') ? td.querySelector('[title]').title : '' })));
	ok(cats.some(c => c.text === '视频' && c.raw === 'Video') && !cats.some(c => c.text === 'Video'),
		`dashboard: the categories in Chinese, nDPI's name in the tooltip (${cats.map(c => c.text + (c.raw ? '/' + c.raw : '')).join(', ')})`);
	await visit(page, 'flows');
	await page.click('[data-tab=stored]');
	// fin1's nmap left a thousand stored flows: more than a page of them
	await page.fill('#f-host', cfg.scan_client);
	await page.click('#flows-filters [data-action=search]');
	await page.waitForSelector('#flows-page:not(:empty)');
	const first = await page.$$eval('#flows-result tbody tr', (l) => l.map(x => x.textContent));
	const nextOn = await page.$eval('#flows-pager [data-action=next]', (b) => !b.disabled);
	if (nextOn)
		await page.click('#flows-pager [data-action=next]');
	await page.waitForFunction(() => /2/.test(document.querySelector('#flows-page')?.textContent || ''), null, { timeout: 5000 }).catch(() => {});
	const second = await page.$$eval('#flows-result tbody tr', (l) => l.map(x => x.textContent));
	const info = (await page.textContent('#flows-page')).trim();
	ok(nextOn && first.length === 50 && second.length > 0 && second[0] !== first[0] && info.startsWith('第 2 页'),
		`flows: the stored flows page on (${first.length} rows, next ${nextOn ? 'enabled' : 'disabled'}; then ${second.length} rows: ${info})`);
	await page.click('#flows-filters button:not([type=submit])');   // 重置
	const opt = await page.$$eval('#f-category option', (l) => l.filter(o => o.value === 'Video').map(o => o.textContent));
	await page.fill('#f-host', cfg.douyin_client);
	await page.selectOption('#f-category', 'Video');
	await page.click('#flows-filters [data-action=search]');
	await page.waitForTimeout(800);
	const shown = await page.$$eval('#flows-result tbody tr td:nth-child(6)', (l) => l.map(td => td.textContent));
	ok(opt[0] === '视频' && shown.length > 0 && shown.every(c => c === '视频'),
		`flows: the category filter offers 视频 for Video, and the flows it finds show 视频 (${shown.length} rows: ${[...new Set(shown)].join(', ')})`);
	await shot(page, 'zh-CN', 'flows-video');
}

// ---------- the dashboard's busiest clients, named ----------

// security: each busy address with the address book's host, person and
// department; report: no such panel and no person on the dashboard.
async function topHostsScenario(page, role) {
	await setLang(page, 'zh-CN');
	await visit(page, 'dashboard');
	if (role === 'report') {
		await page.waitForTimeout(1500);
		const panel = await page.$('#top-hosts');
		const body = await page.evaluate(() => document.body.innerText);
		ok(!panel && !/张三|李四/.test(body), `report: the dashboard has no busiest clients and names no person (${panel ? 'panel shown' : 'no panel'})`);
		return;
	}
	await page.click('[data-tab=day]');
	await page.waitForFunction(() => /张三/.test(document.querySelector('#top-hosts')?.textContent || ''), null, { timeout: 15000 }).catch(() => {});
	const rows = await page.$$eval('#top-hosts tbody tr', (l) => l.map(tr => Array.from(tr.cells, td => td.innerText.replace(/\s+/g, ' ').trim())));
	const fin = rows.find(r => r[0].includes('192.0.2.10'));
	ok(fin && fin[0] === 'fin-pc-01 192.0.2.10' && fin[1] === '张三 财政局',
		`dashboard: 流量最多的终端 names 192.0.2.10 as fin-pc-01, 张三 of 财政局 (${rows.map(r => r.slice(0, 2).join(' | ')).join('; ')})`);
	const unreg = rows.filter(r => !/fin-pc|edu-pc/.test(r[0]));
	ok(unreg.every(r => r[1] === '未登记'), `dashboard: an address the book does not hold says 未登记 (${unreg.length} such rows)`);
	await shot(page, 'zh-CN', 'dashboard-top-hosts');
}

// ---------- the audit log: what the others did ----------

async function auditScenario(page) {
	await visit(page, 'audit');
	await page.selectOption('#f-limit', '1000');
	await Promise.all([
		page.waitForResponse((r) => r.url().includes('/api/v1/audit') && r.url().includes('limit=1000')),
		page.click('#audit-filters [data-action=search]'),
	]);
	await page.waitForTimeout(300);
	await page.fill('#f-q', 'access-log');
	const rows = await page.$$eval('#audit-result tbody tr', (l) => l.map(x => x.textContent));
	const sec = cfg.accounts.security.user;
	ok(rows.some(r => r.includes(sec) && r.includes('access-log')),
		`audit: the auditor finds ${sec}'s access-log searches (${rows.length} rows)`);
	const named = await page.$$eval('#audit-result td.audit-action', (l) => l.map(td => td.innerText.split('\n').map(x => x.trim())));
	const queries = named.filter(([, code]) => code === 'access-log query');
	ok(queries.length > 0 && queries.every(([a]) => a === '查询上网日志'),
		`audit: the searches are named 查询上网日志, their code access-log query under it (${queries.length} of ${named.length}: ${JSON.stringify(named.map(x => x.join(' / ')).filter((x, i, l) => l.indexOf(x) === i))})`);
	await page.fill('#f-q', 'policy');
	const pol = await page.$$eval('#audit-result tbody tr', (l) => l.map(x => x.textContent));
	ok(pol.some(r => r.includes(cfg.accounts.admin.user) && /policy (apply|confirm)/.test(r)),
		`audit: ... and ${cfg.accounts.admin.user}'s policy apply and confirmation`);
	await shot(page, 'zh-CN', 'audit-search');
}

// ---------- a password about to expire ----------

// The report account's password as if changed 85 days ago (the daemon's
// store, as an old account would have it): 5 days are left of 90.
function ageReportPassword() {
	execFileSync('sqlite3', [cfg.db, `UPDATE users SET password_changed = strftime('%s', 'now') - 85 * 86400
		WHERE name = '${cfg.accounts.report.user}'`]);
}

async function expiryBanner(page) {
	await visit(page, 'dashboard');
	const b = await page.waitForSelector('#expiry-banner', { timeout: 5000 }).catch(() => null);
	const text = b ? (await b.textContent()).trim() : '';
	const n = +(text.match(/\d+/) || [99])[0];
	ok(n >= 4 && n <= 6, `report: a password 85 days old: the warning shows on the page (${text})`);
	await page.click('#expiry-banner a');
	await page.waitForSelector('#page-body[data-page="account"] #password-form');
	ok(!!(await page.$('#expiry-banner')), 'report: its link leads to the password change, the warning stays on that page too');
	await shot(page, 'zh-CN', 'password-expiry');
	const acct = cfg.accounts.report, next = 'Zl-Report-2027?';
	await page.fill('#f-old', acct.password);
	await page.fill('#f-new', next);
	await page.fill('#f-again', next);
	const met = await page.$$eval('#password-form .rule.met', (l) => l.length);
	ok(met === 4, `report: the four rules show as met while typing (${met})`);
	await page.click('[data-action=change-password]');
	await page.waitForSelector('#password-alerts .banner-ok');
	acct.password = next;
	await page.waitForSelector('#expiry-banner', { state: 'detached', timeout: 5000 }).catch(() => {});
	ok(!(await page.$('#expiry-banner')), 'report: the password changed on the account page, the warning goes');
}

// ---------- IPv6: the shares of the lab's traffic, the sites' checks ----------

const READY_SITE = 'http://www.dazhu.example/', OLD_SITE = 'http://oa.dazhu.example/';

async function ipv6Scenario(page, role) {
	await setLang(page, 'zh-CN');
	await visit(page, 'dashboard');
	const tile = await page.waitForSelector('[data-stat="ipv6"] .stat-value').then(e => e.textContent());
	ok(/^\d+\.\d%$/.test(tile), `${role}: the dashboard shows today's IPv6 share (${tile})`);
	await visit(page, 'ipv6');
	if (role === 'admin') {
		// the checks run now, on the daemon's own thread; the page shows them
		await page.click('[data-action="check-all"]');
		await page.waitForSelector('#page-alerts .banner-info');
		const note = (await page.textContent('#page-alerts .banner-info')).trim();
		ok(/2/.test(note), `admin: "check all" queues both sites (${note})`);
	}
	const done = await page.waitForFunction(() => document.querySelectorAll('#v6-sites .site-card.site-ok, #v6-sites .site-card.site-bad').length >= 2,
		null, { timeout: 90000 }).then(() => true, () => false);
	ok(done, `${role}: both sites' results show on the page`);
	// the page drew its figures when it opened, before the writer had folded
	// every flow into today's counters: open it again until both agree
	let api, c, want, shown;
	for (let i = 0; i < 5; i++) {
		api = await apiJson(page, 'ipv6');
		c = api.county;
		want = (c.bytes.ipv6 + c.bytes.ipv4) ? Number(c.bytes.ipv6_share).toFixed(1) + '%' : '—';
		shown = (await page.textContent('[data-stat="v6-share"] .stat-value')).trim();
		if (shown === want && c.bytes.ipv6 > 0 && c.bytes.ipv4 > 0)
			break;
		await page.waitForTimeout(2000);
		await visit(page, 'dashboard');
		await visit(page, 'ipv6');
		await page.waitForFunction(() => document.querySelectorAll('#v6-sites .site-card.site-ok, #v6-sites .site-card.site-bad').length >= 2,
			null, { timeout: 30000 }).catch(() => {});
	}
	ok(shown === want && c.bytes.ipv6 > 0 && c.bytes.ipv4 > 0,
		`${role}: the county's IPv6 share today is the daemon's, from traffic over both families (${shown}; IPv6 ${c.bytes.ipv6} B, IPv4 ${c.bytes.ipv4} B)`);
	const target = (await page.textContent('[data-stat="v6-share"] .stat-sub')).trim();
	ok(target.includes('27%'), `${role}: the national target beside it (${target})`);
	const dept = await page.$$eval('#v6-departments tbody tr', rows => rows.map(r => r.textContent));
	ok(dept.some(r => r.includes('财政局')), `${role}: the departments are ranked (${dept.length} rows; 财政局 among them)`);
	const card = async (url) => page.$eval(`#v6-sites .site-card[data-site="${url}"]`, el => ({
		ok: el.querySelectorAll('.mark-ok').length, bad: el.querySelectorAll('.mark-bad').length, text: el.textContent,
	})).catch(() => ({ ok: -1, bad: -1, text: '' }));
	const r1 = await card(READY_SITE), r2 = await card(OLD_SITE);
	ok(r1.ok === 7 && r1.bad === 0 && r1.text.includes('已就绪'), `${role}: ${READY_SITE}: 7 criteria ✓, IPv6-ready (${r1.ok} ✓, ${r1.bad} ✗)`);
	ok(r2.bad >= 1 && r2.text.includes('no AAAA record for oa.dazhu.example') && r2.text.includes('未就绪'),
		`${role}: ${OLD_SITE}: ✗ with its reason, not ready (${r2.ok} ✓, ${r2.bad} ✗)`);
	const summary = (await page.textContent('#v6-sites .site-summary')).trim();
	ok(summary.includes('2 个网站中 1 个'), `${role}: 1 of 2 sites ready against the 100% target (${summary})`);
	const hostsPanel = await page.$('#v6-hosts table');
	if (role === 'admin') {
		const rows = hostsPanel ? await page.$$eval('#v6-hosts tbody tr', rs => rs.map(r => r.textContent)) : [];
		ok(rows.some(r => r.includes('fin-pc-01') && r.includes('双栈且使用 IPv6')),
			`admin: the hosts: fin-pc-01 (fin1) dual stack, IPv6 used (${rows.length} rows)`);
	} else {
		ok(!hostsPanel, `${role}: no per-host rows`);
	}
	await page.evaluate(() => window.scrollTo(0, 0));   // the top bar at the top of the shot
	await shot(page, 'zh-CN', role === 'admin' ? 'ipv6' : 'ipv6-report');
	await setLang(page, 'en');
	await page.waitForSelector('#v6-sites .site-card.site-ok');
	await shot(page, 'en', role === 'admin' ? 'ipv6' : 'ipv6-report');
	await setLang(page, 'zh-CN');
}

// ---------- main ----------

async function main() {
	const helpers = { cfg, visit, shot, setLang };
	let incidentId = null;
	const b = await launch();
	try {
		const page = await b.ctx.newPage();
		const watcher = watch(page, 'console');
		for (const lang of ['zh-CN', 'en']) {
			await page.goto(URL0);
			await page.evaluate((l) => localStorage.setItem('zhulan.lang', l), lang);
			await page.goto(URL0);
			await page.waitForSelector('#login-form');
			await shot(page, lang, 'login');
		}
		const wrong = await login(page, URL0, { user: cfg.accounts.admin.user, password: 'not-the-password' });
		ok(wrong.view === 'error', `login: a wrong password is refused with a banner (${wrong.text})`);
		const csp = await page.evaluate(async () => (await fetch('/')).headers.get('content-security-policy'));
		ok(/script-src 'self'/.test(csp || '') && !/unsafe-inline/.test(csp || ''), `the console is served with its CSP (${csp})`);
		for (const role of ['admin', 'security', 'auditor', 'report']) {
			const acct = cfg.accounts[role];
			if (!(await enrol(page, role, acct)))
				continue;
			await logout(page);
			if (role === 'report')
				ageReportPassword();
			if (!(await rolePages(page, role, acct, watcher)))
				continue;
			if (role === 'admin' || role === 'report')
				await ipv6Scenario(page, role).catch(e => ok(false, 'ipv6 scenario: ' + e.message));
			if (role === 'report')
				await expiryBanner(page).catch(e => ok(false, 'expiry scenario: ' + e.message));
			if (role === 'auditor') {
				await auditScenario(page).catch(e => ok(false, 'audit scenario: ' + e.message));
				await auditorIncidents(page, helpers, incidentId).catch(e => ok(false, 'auditor incidents scenario: ' + e.message));
			}
			if (role === 'report')
				await reportsScenario(page, helpers).catch(e => ok(false, 'reports scenario: ' + e.message));
			if (role === 'security' || role === 'report')
				await topHostsScenario(page, role).catch(e => ok(false, 'top hosts scenario: ' + e.message));
			if (role === 'admin') {
				await policyScenario(page).catch(e => ok(false, 'policy scenario: ' + e.message));
				await hostsScenario(page).catch(e => ok(false, 'address book scenario: ' + e.message));
				await behaviourScenario(page).catch(e => ok(false, 'behaviour scenario: ' + e.message));
				await usersScenario(page).catch(e => ok(false, 'users scenario: ' + e.message));
				await systemScenario(page).catch(e => ok(false, 'system scenario: ' + e.message));
			}
			if (role === 'security') {
				await accessLogScenario(page).catch(e => ok(false, 'access log scenario: ' + e.message));
				await xssScenario(page, watcher).catch(e => ok(false, 'xss scenario: ' + e.message));
				await namesScenario(page).catch(e => ok(false, 'names scenario: ' + e.message));
				incidentId = await incidentsScenario(page, helpers).catch(e => ok(false, 'incidents scenario: ' + e.message));
			}
			await logout(page);
			const after = await apiStatus(page, 'session');
			ok(after === 401, `${role}: after logout the session is gone (${after})`);
		}
	} finally {
		await b.close();
	}
}

main().then(() => process.exit(failed() ? 1 : 0), (e) => {
	ok(false, 'the browser test ran to its end: ' + (e && e.stack ? e.stack.split('\n').slice(0, 3).join(' ') : e));
	process.exit(1);
});
