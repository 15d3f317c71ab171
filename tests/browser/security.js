// security.js - the 安全事件 and 报表 pages in the browser (console.test.js
// runs these): security finds the lab's nmap scan, opens it, acknowledges
// and resolves it with notes; the dashboard counts open incidents by
// severity; the auditor reads the same incident with no way to change it;
// report generates a month's report, sees its progress and downloads it
// with the listed SHA-256. `k` carries console.test.js's helpers and cfg.
import fs from 'node:fs';
import crypto from 'node:crypto';
import { ok, diag, apiJson } from './lib.js';

const rowsOf = (page, sel) => page.$$eval(sel + ' tbody tr', (l) => l.map(x => x.textContent));

async function listReady(page) {
	await page.waitForSelector('#inc-list table, #inc-list .empty');
	await page.waitForTimeout(300);
}

async function scanIncident(page, cfg) {
	const r = await apiJson(page, 'incidents?type=scan&limit=1000');
	return (r.incidents || []).find(x => x.src_ip === cfg.scan_client);
}

// A POST from inside the page with the session's CSRF token: the status.
function apiPost(page, p, body) {
	return page.evaluate(async ([x, b]) => {
		const s = await (await fetch('/api/v1/session', { credentials: 'same-origin' })).json();
		const r = await fetch('/api/v1/' + x, {
			method: 'POST', credentials: 'same-origin',
			headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': s.csrf }, body: JSON.stringify(b),
		});
		return r.status;
	}, [p, body]);
}

export async function incidentsScenario(page, k) {
	const { cfg } = k;
	await k.visit(page, 'incidents');
	await listReady(page);
	const rows = await rowsOf(page, '#inc-list');
	const scanRow = rows.find(r => r.includes(cfg.scan_client) && /扫描/.test(r));
	ok(!!scanRow && scanRow.includes('张三') && scanRow.includes('财政局'),
		`incidents: the list shows fin1's nmap scan naming 张三 of 财政局 (${scanRow ? scanRow.slice(0, 90) : rows.length + ' rows'})`);
	const cards = await page.$$eval('#inc-counts [data-sev-count]', (l) => Object.fromEntries(l.map(c =>
		[c.dataset.sevCount, +c.querySelector('.sev-card-n').textContent.replace(/\D/g, '')])));
	const st = await apiJson(page, 'status');
	const want = (st.incidents && st.incidents.open_by_severity) || {};
	ok(cards.medium >= 1 && cards.high >= 1 && ['critical', 'high', 'medium', 'low', 'info'].every(s => cards[s] === (want[s] || 0)),
		`incidents: the open counts by severity are the daemon's (${JSON.stringify(cards)})`);
	// the filters: a type and a status
	await page.selectOption('#f-type', 'blocklist');
	await page.click('#inc-filters [data-action=search]');
	await page.waitForFunction(() => [...document.querySelectorAll('#inc-list tbody tr')].every(r => !/扫描/.test(r.textContent)));
	const bl = await rowsOf(page, '#inc-list');
	ok(bl.length >= 1 && bl.every(r => r.includes('威胁')), `incidents: filtered by type, only the blocklisted peer's incidents (${bl.length})`);
	await page.click('#inc-filters [data-action=reset]');
	await listReady(page);
	const scan = await scanIncident(page, cfg);
	if (!ok(!!scan, `incidents: the scan is incident #${scan && scan.id} (count ${scan && scan.count})`))
		return;
	// one incident: the sentence, both ends, the evidence flows
	await page.click(`#inc-list a[data-incident="${scan.id}"]`);
	await page.waitForSelector('#inc-sentence');
	const sentence = (await page.textContent('#inc-sentence')).trim();
	ok(sentence === scan.message.zh, `incident: the Chinese sentence (${sentence})`);
	const src = await page.textContent('[data-panel=inc-src]');
	ok(src.includes('fin-pc-01') && src.includes('张三') && src.includes('财政局') && src.includes(cfg.scan_client),
		`incident: the source with its host, person and department (${src.replace(/\s+/g, ' ').slice(0, 80)})`);
	const ev = await rowsOf(page, '#inc-evidence');
	ok(ev.length >= 1 && ev.every(r => r.includes(cfg.scan_client)), `incident: the evidence flows from the store (${ev.length})`);
	// acknowledge with a note and an assignee, then resolve
	const note1 = '已电话联系财政局张三：信息中心授权的漏洞自查';
	await page.fill('#f-note', note1);
	await page.fill('#f-assign', cfg.accounts.security.user);
	await page.click('[data-action=ack]');
	await page.waitForFunction(() => !document.querySelector('[data-action=ack]') && document.querySelector('#inc-notes .timeline-item'));
	let x = await apiJson(page, 'incidents/' + scan.id);
	ok(x.status === 'acknowledged' && x.assignee === cfg.accounts.security.user && (x.notes || []).some(n => n.text === note1),
		`incident: acknowledged from the page with the note and the assignee (${x.status}, ${x.assignee})`);
	const note2 = '已确认为授权扫描，关闭。';
	await page.fill('#f-note', note2);
	await page.click('[data-action=resolve]');
	await page.waitForFunction(() => !document.querySelector('[data-action=resolve]'));
	x = await apiJson(page, 'incidents/' + scan.id);
	const notes = await page.textContent('#inc-notes');
	ok(x.status === 'resolved' && notes.includes(note1) && notes.includes(note2),
		`incident: resolved with a second note; the page lists both notes (${x.status}, ${(x.notes || []).length} notes)`);
	await k.shot(page, 'zh-CN', 'incident');
	await k.setLang(page, 'en');
	await page.waitForFunction((s) => document.querySelector('#inc-sentence') &&
		document.querySelector('#inc-sentence').textContent.trim() === s, scan.message.en);
	ok(true, `incident: in English the sentence is the English one (${scan.message.en})`);
	await k.shot(page, 'en', 'incident');
	await k.setLang(page, 'zh-CN');
	await page.click('[data-action=back]');
	await listReady(page);
	// the dashboard: open incidents by severity, as the daemon counts them
	await k.visit(page, 'dashboard');
	await page.waitForSelector('#dash-incidents [data-sev-count]');
	const dash = await page.$$eval('#dash-incidents [data-sev-count]', (l) => Object.fromEntries(l.map(c =>
		[c.dataset.sevCount, +c.querySelector('.sev-card-n').textContent.replace(/\D/g, '')])));
	const st2 = await apiJson(page, 'status');
	const open = st2.incidents.open_by_severity;
	ok(dash.medium === open.medium && dash.high === open.high && dash.high >= 1 && dash.medium === cards.medium - 1,
		`dashboard: open incidents by severity; the resolved scan no longer counts (${JSON.stringify(dash)})`);
	await page.click('#dash-incidents [data-sev-count=high]');
	await page.waitForSelector('#page-body[data-page="incidents"]');
	await listReady(page);
	const sev = await page.inputValue('#f-severity');
	const high = await rowsOf(page, '#inc-list');
	ok(sev === 'high' && high.length >= 1 && high.every(r => /高危/.test(r)), `dashboard: a click on 高危 opens the high incidents (${high.length})`);
	return scan.id;
}

export async function auditorIncidents(page, k, id) {
	const { cfg } = k;
	await k.visit(page, 'incidents');
	await listReady(page);
	const rows = await rowsOf(page, '#inc-list');
	ok(rows.some(r => r.includes(cfg.scan_client) && r.includes('已解决')), `auditor: sees the resolved scan in 安全事件 (${rows.length} rows)`);
	if (!id)
		return;
	await page.click(`#inc-list a[data-incident="${id}"]`);
	await page.waitForSelector('#inc-sentence');
	const buttons = await page.$$('#inc-actions, [data-action=ack], [data-action=resolve], [data-action=false-positive], [data-action=note]');
	const notes = await page.textContent('#inc-notes');
	ok(buttons.length === 0 && !!(await page.$('#inc-readonly')) && notes.includes(cfg.accounts.security.user),
		`auditor: the incident reads with security's notes, with no button to change it (${buttons.length} buttons)`);
	const st = await apiPost(page, 'incidents/' + id, { note: 'auditor was here' });
	ok(st === 403, `auditor: a change sent anyway is refused with 403 (${st})`);
	await k.shot(page, 'zh-CN', 'incident-auditor');
}

export async function reportsScenario(page, k) {
	await k.visit(page, 'dashboard');
	ok(!(await page.$('#dash-incidents')), 'report: no incident counts on the department-level dashboard');
	await k.visit(page, 'reports');
	const d = new Date();
	const month = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}`;
	const before = await apiJson(page, 'reports');
	const maxId = Math.max(0, ...(before.reports || []).map(r => r.id));
	await page.fill('#f-month', month);
	await page.selectOption('#f-format', 'all');   // PDF, XLSX and CSV one after the other
	await page.selectOption('#f-lang', 'zh');
	// every state of the progress bar the page draws (from the daemon's job)
	await page.evaluate(() => {
		window.__repBar = [];
		const seen = () => {
			const b = document.querySelector('#rep-bar');
			const v = b && `${b.dataset.job}|${b.dataset.state}|${b.getAttribute('aria-valuenow')}|${b.dataset.step}`;
			if (v && window.__repBar[window.__repBar.length - 1] !== v)
				window.__repBar.push(v);
		};
		new MutationObserver(seen).observe(document.querySelector('#rep-progress'),
			{ childList: true, subtree: true, attributes: true });
	});
	const t0 = Date.now();
	await page.click('[data-action=generate]');
	const prog = await page.waitForSelector('#rep-progress .banner-info', { timeout: 5000 }).catch(() => null);
	const progText = prog ? (await prog.textContent()).trim() : '';
	ok(progText.includes(month), `reports: generating shows its progress (${progText})`);
	const bar = await page.waitForSelector('#rep-bar[role=progressbar]', { timeout: 5000 }).catch(() => null);
	ok(!!bar, 'reports: a progress bar while the report is made');
	// the panel as it is while the job runs, beside the pages' screenshots
	const genPanel = await page.$('[data-panel=generate]');
	if (genPanel && k.cfg.shots) {
		fs.mkdirSync(k.cfg.shots + '/zh-CN', { recursive: true });
		// a clip of the page: an element's own screenshot waits for it to be still
		const box = await genPanel.boundingBox();
		if (box)
			await page.screenshot({ path: k.cfg.shots + '/zh-CN/reports-progress.png', clip: box })
				.catch(e => diag('progress screenshot: ' + e.message));
	}
	await page.waitForSelector('#rep-progress .banner-ok, #rep-progress .banner-error', { timeout: 120000 });
	const done = (await page.textContent('#rep-progress')).trim();
	const bars = (await page.evaluate(() => window.__repBar)).map(v => v.split('|'));
	const jobs = [...new Set(bars.map(b => b[0]))];
	const pcts = bars.map(b => Number(b[2]));
	const jobState = jobs.length ? await apiJson(page, 'reports/jobs/' + jobs[jobs.length - 1]) : {};
	ok(jobs.length === 3 && jobs.every(j => Number(j) > 0) && bars.some(b => b[1] === 'running' && Number(b[2]) > 0 && Number(b[2]) < 100) &&
		pcts[pcts.length - 1] === 100 && jobState.job && jobState.job.state === 'done',
		`reports: the bar follows the daemon's jobs (${jobs.length} jobs; ${bars.map(b => b[2] + '% ' + b[3]).join(', ')})`);
	const after = await apiJson(page, 'reports');
	const fresh = (after.reports || []).filter(r => r.id > maxId && r.period === month);
	const made = fresh.find(r => r.format === 'pdf');
	ok(!!made && /已生成/.test(done) && fresh.map(r => r.format).sort().join() === 'csv,pdf,xlsx' &&
		fresh.every(r => r.who === k.cfg.accounts.report.user && !r.persons),
		`reports: three formats generated in ${((Date.now() - t0) / 1000).toFixed(1)} s and listed, departments only (${done}; #${made && made.id}, ${made && made.bytes} bytes)`);
	if (!made)
		return;
	ok(jobState.job && jobState.job.report === Math.max(...fresh.map(r => r.id)),
		`reports: the last job's archive id is the new row's (${jobState.job && jobState.job.report})`);
	const row = await page.waitForSelector(`#rep-list tr[data-report="${made.id}"]`);
	const rowText = await row.textContent();
	ok(rowText.includes(month) && rowText.includes(made.sha256) && rowText.includes('PDF'),
		`reports: the archive row shows the month, format and SHA-256 (${made.sha256.slice(0, 16)}…)`);
	const [dl] = await Promise.all([
		page.waitForEvent('download', { timeout: 20000 }).catch(() => null),
		page.click(`#rep-list [data-download="${made.id}"]`),
	]);
	let buf = Buffer.alloc(0);
	if (dl) {
		const p = await dl.path();
		buf = p ? fs.readFileSync(p) : buf;
	}
	const sum = crypto.createHash('sha256').update(buf).digest('hex');
	ok(buf.length === made.bytes && sum === made.sha256 && buf.subarray(0, 5).toString() === '%PDF-',
		`reports: the download (${dl ? dl.suggestedFilename() : 'none'}, ${buf.length} bytes) is a PDF whose SHA-256 is the listed one`);
	const notice = await page.waitForSelector('#page-alerts .banner-ok', { timeout: 5000 }).catch(() => null);
	ok(!!notice, `reports: the page checked the SHA-256 too (${notice ? (await notice.textContent()).trim() : 'no notice'})`);
	const total = (await page.textContent('[data-stat=rep-total] .stat-value')).trim();
	const depts = await rowsOf(page, '#rep-preview-depts');
	ok(total !== '0 B' && depts.some(r => r.includes('财政局')), `reports: the preview shows the month's figures (${total}; ${depts.length} departments)`);
	diag('preview: ' + depts.join(' | ').replace(/\s+/g, ' '));
	await k.shot(page, 'zh-CN', 'reports');
	await k.setLang(page, 'en');
	await page.waitForSelector(`#rep-list tr[data-report="${made.id}"]`);
	await page.waitForSelector('#rep-preview-depts table');
	await k.shot(page, 'en', 'reports');
	await k.setLang(page, 'zh-CN');
}
