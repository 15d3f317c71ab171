// reports.js - 报表: the monthly reports' archive (month, format, language,
// size, SHA-256, who made it and when), downloads through zhulan-web
// (/api/v1/reports/N; the file's SHA-256 is checked in the browser against
// the listed one), "generate now" (month, format, language): the daemon
// answers with a job at once, whose step and percentage the page asks for
// twice a second and shows as a progress bar, then the new archive row; a
// preview of the month's summary figures from the same aggregates the
// report is built from.
import { h, replace } from '../dom.js';
import { t, lang } from '../i18n.js';
import { get, post, raw } from '../api.js';
import { panel, table, field, input, button, values, select, tag, stat, emptyState } from '../ui.js';
import { bytes, num, time, clock } from '../format.js';
import { lineChart } from '../charts.js';
import { actor } from './incidents.js';

const FORMATS = ['pdf', 'xlsx', 'csv'];
const POLL_MS = 500;
const pad = (n) => String(n).padStart(2, '0');

function lastMonth() {
	const d = new Date();
	d.setDate(1);
	d.setMonth(d.getMonth() - 1);
	return `${d.getFullYear()}-${pad(d.getMonth() + 1)}`;
}

// a month's bounds in local time, as RFC 3339 UTC
function monthRange(ym) {
	const [y, m] = ym.split('-').map(Number);
	return { from: new Date(y, m - 1, 1).toISOString(), to: new Date(y, m, 1).toISOString() };
}

// what a report covers: its month, or its two days for another range
function periodText(r) {
	if (/^\d{4}-\d{2}$/.test(r.period || ''))
		return r.period;
	return time(r.from).slice(0, 10) + ' – ' + time(r.to).slice(0, 10);
}

async function sha256hex(buf) {
	const d = await crypto.subtle.digest('SHA-256', buf);
	return [...new Uint8Array(d)].map(b => b.toString(16).padStart(2, '0')).join('');
}

function fileName(r, disposition) {
	const m = /filename="?([^";]+)"?/.exec(disposition || '');
	return m ? m[1] : `zhulan-report-${r.period}-${r.lang}.${r.format === 'csv' ? 'zip' : r.format}`;
}

export default {
	render(body, ctx) {
		let reports = [], busy = false, selected = null, fresh = new Set();
		const listEl = h('div', { id: 'rep-list' });
		const progress = h('div', { id: 'rep-progress', class: 'rep-progress', 'aria-live': 'polite' });
		const month = input('month', { type: 'month', value: lastMonth(), max: `${new Date().getFullYear()}-${pad(new Date().getMonth() + 1)}`, required: true });
		const genBtn = button(t('rep.generate'), null, { type: 'submit', kind: 'primary', action: 'generate' });
		const form = h('form', {
			class: 'filters', id: 'rep-form',
			onsubmit: (e) => {
				e.preventDefault();
				generate(values(form));
			},
		},
		field(t('rep.month'), month),
		field(t('rep.format'), select('format', [['pdf', 'PDF'], ['xlsx', 'XLSX (Excel / WPS)'], ['csv', t('rep.csv')],
			['all', t('rep.all_formats')]], 'pdf')),
		field(t('rep.lang'), select('lang', [['zh', '中文'], ['en', 'English']], lang() === 'en' ? 'en' : 'zh')),
		h('div', { class: 'filter-actions' }, genBtn));

		const prevTitle = h('span', {});
		const prevStats = h('div', { class: 'stats', id: 'rep-preview-stats' });
		const prevFile = h('div', { id: 'rep-preview-file' });
		const chartBox = h('div', { class: 'chart-box' });
		const prevDepts = h('div', { id: 'rep-preview-depts' });
		const prevCats = h('div', { id: 'rep-preview-cats' });
		const chart = lineChart(chartBox, [t('dash.down'), t('dash.up')], (v) => bytes(v));
		let gone = false;   // left: answers that come later draw nothing
		ctx.onLeave(() => {
			gone = true;
			chart.destroy();
		});

		replace(body,
			panel(t('rep.new'), [form, h('p', { class: 'muted small rep-hint' }, t('rep.new_hint')), progress], { id: 'generate', class: 'panel-filters' }),
			panel(t('rep.archive'), listEl, { id: 'archive' }),
			h('div', { class: 'sev-head' }, h('h2', { class: 'section-title', id: 'rep-preview-title' }, prevTitle),
				h('span', { class: 'muted small' }, t('rep.preview_note'))),
			h('div', { id: 'rep-preview' },
				prevStats,
				h('div', { class: 'grid-2 grid-top' },
					panel(t('rep.daily'), chartBox, { id: 'rep-daily' }),
					panel(t('rep.file'), prevFile, { id: 'rep-file' })),
				h('div', { class: 'grid-2 grid-top' },
					panel(t('dash.departments'), prevDepts, { id: 'rep-depts' }),
					panel(t('dash.categories'), prevCats, { id: 'rep-cats' }))));

		async function loadList() {
			const r = await get('reports', { limit: 200 });
			reports = r.reports || [];
			return reports;
		}

		function drawList() {
			replace(listEl, table([
				{ label: t('rep.col.period'), value: r => [h('span', { class: 'rep-period' }, periodText(r)),
					r.scheduled ? tag(t('rep.scheduled'), 'muted') : null,
					r.persons ? tag(t('rep.persons'), 'warn') : null], class: 'rep-month' },
				{ label: t('rep.format'), value: r => tag(r.format === 'csv' ? 'CSV (ZIP)' : r.format.toUpperCase(), 'fmt') },
				{ label: t('rep.lang'), value: r => t('rep.lang_' + (r.lang === 'en' ? 'en' : 'zh')) },
				{ label: t('col.size'), value: r => bytes(r.bytes), num: true },
				{ label: t('rep.col.sha256'), value: r => h('code', { class: 'sha', 'data-sha256': r.sha256 }, r.sha256) },
				{ label: t('rep.col.by'), value: r => (r.scheduled ? t('rep.by_schedule') : actor(r.who)) },
				{ label: t('rep.col.at'), value: r => time(r.ts), class: 'nowrap' },
				{ label: '', class: 'actions', value: r => [
					h('a', {
						href: '/api/v1/reports/' + r.id, class: 'btn btn-small btn-primary', 'data-download': r.id,
						onclick: (e) => {
							e.preventDefault();
							download(r);
						},
					}, t('rep.download')),
					button(t('rep.preview'), () => preview(r), { class: 'btn-small', action: 'preview-' + r.id }),
				] },
			], reports, { title: t('rep.empty'), hint: t('rep.empty_hint') }));
			// the files of one generation together (same month, same maker,
			// within two minutes): the month on the first of them
			let prev = null, prevTs = 0;
			for (const tr of listEl.querySelectorAll('tbody tr')) {
				const id = Number(tr.querySelector('[data-download]').dataset.download);
				const r = reports.find(x => x.id === id);
				const group = r ? `${r.period}|${r.scheduled}|${r.who}` : '';
				const ts = r ? Date.parse(r.ts) : 0;
				tr.classList.toggle('rep-same', group === prev && Math.abs(prevTs - ts) < 120000);
				prev = group;
				prevTs = ts;
				tr.dataset.report = id;
				tr.classList.toggle('row-new', fresh.has(id));
				tr.classList.toggle('row-selected', !!selected && selected.id === id);
			}
		}

		async function refresh() {
			try {
				await loadList();
				drawList();
			} catch (e) {
				ctx.error(e);
			}
		}

		// The file through zhulan-web; its SHA-256 against the archive's.
		async function download(r) {
			try {
				const resp = await raw('reports/' + r.id, null, { accept: '*/*' });
				const buf = await resp.arrayBuffer();
				const sum = await sha256hex(buf);
				const url = URL.createObjectURL(new Blob([buf], { type: resp.headers.get('Content-Type') || 'application/octet-stream' }));
				const a = h('a', { href: url, download: fileName(r, resp.headers.get('Content-Disposition')), class: 'hidden' });
				document.body.appendChild(a);
				a.click();
				a.remove();
				setTimeout(() => URL.revokeObjectURL(url), 10000);
				if (sum === r.sha256)
					ctx.notice('ok', t('rep.downloaded', { name: a.download, size: bytes(buf.byteLength) }));
				else
					ctx.notice('error', t('rep.sha_mismatch', { name: a.download, got: sum, want: r.sha256 }));
			} catch (e) {
				ctx.error(e);
			}
		}

		function showProgress(text, kind, job) {
			const pct = job ? Math.max(0, Math.min(100, job.percent || 0)) : null;
			// the width through the CSSOM: the CSP refuses style attributes
			const fill = h('div', { class: 'rep-bar-fill' });
			fill.style.width = pct + '%';
			replace(progress, text ? h('div', { class: ['banner', 'banner-' + (kind || 'info')], role: 'status' },
				kind ? null : h('span', { class: 'spinner', 'aria-hidden': 'true' }),
				h('span', { class: 'banner-text', id: 'rep-progress-text' }, text)) : null,
			job && !kind ? h('div', {
				class: 'rep-bar', id: 'rep-bar', role: 'progressbar', 'aria-valuemin': '0',
				'aria-valuemax': '100', 'aria-valuenow': String(pct), 'data-job': String(job.id),
				'data-state': job.state, 'data-step': job.step || '',
			}, fill) : null);
		}

		// POST /reports answers at once with a job (the same one when this
		// report is already being made); its state, step and percentage are
		// asked for until it is done (then the archive's id) or failed (why).
		async function generateOne(v, format, step, steps) {
			const started = Date.now();
			const answer = await post('reports', { month: v.month, format, lang: v.lang });
			let job = answer.job;
			while (job.state === 'queued' || job.state === 'running') {
				showProgress(t('rep.working', {
					month: v.month, format: format.toUpperCase(), s: Math.round((Date.now() - started) / 1000),
					step: steps > 1 ? t('rep.step', { i: step, n: steps }) : '',
					what: job.step_title || '', pct: job.percent || 0,
				}), null, job);
				await new Promise(res => setTimeout(res, POLL_MS));
				if (gone)
					throw new Error(t('rep.left'));
				try {
					job = (await get('reports/jobs/' + job.id)).job;
				} catch (e) {
					if (!(e.status === 502 || e.status === 0) || Date.now() - started > 600000)
						throw e;   // zhulan-web or the daemon away for a moment: ask again
				}
			}
			if (job.state === 'failed')
				throw new Error(job.error || t('rep.not_listed'));
			showProgress(t('rep.working', {
				month: v.month, format: format.toUpperCase(), s: Math.round((Date.now() - started) / 1000),
				step: steps > 1 ? t('rep.step', { i: step, n: steps }) : '', what: job.step_title || '', pct: 100,
			}), null, job);
			await loadList();
			const entry = reports.find(r => r.id === job.report);
			if (!entry)
				throw new Error(t('rep.not_listed'));
			fresh.add(entry.id);
			return entry;
		}

		async function generate(v) {
			if (busy)
				return;
			if (!/^\d{4}-\d{2}$/.test(v.month || '')) {
				ctx.notice('warn', t('rep.pick_month'));
				return;
			}
			busy = true;
			genBtn.disabled = true;
			ctx.clearError();
			const formats = v.format === 'all' ? FORMATS : [v.format];
			const made = [];
			try {
				for (let i = 0; i < formats.length; i++) {
					made.push(await generateOne(v, formats[i], i + 1, formats.length));
					drawList();
				}
				const last = made[made.length - 1];
				showProgress(t('rep.done', {
					month: v.month, formats: made.map(r => r.format.toUpperCase()).join(', '),
					size: bytes(made.reduce((a, r) => a + (r.bytes || 0), 0)),
				}), 'ok');
				preview(last);
			} catch (e) {
				showProgress(t('rep.failed', { why: e.message }), 'error');
			} finally {
				busy = false;
				genBtn.disabled = false;
				drawList();
			}
		}

		// The summary figures of a report's period from the 5-minute
		// aggregates (the report's own source): traffic in and out, per day,
		// by department and category.
		async function preview(r) {
			selected = r;
			const range = r && r.from && r.to ? { from: r.from, to: r.to } : monthRange(month.value || lastMonth());
			const label = r ? periodText(r) : month.value;
			prevTitle.textContent = t('rep.preview_title', { period: label });
			for (const tr of listEl.querySelectorAll('tbody tr'))
				tr.classList.toggle('row-selected', !!r && Number(tr.dataset.report) === r.id);
			replace(prevFile, r ? h('dl', { class: 'kv', id: 'rep-file-kv' },
				h('dt', {}, t('rep.col.period')), h('dd', {}, time(r.from) + ' – ' + time(r.to)),
				h('dt', {}, t('rep.format')), h('dd', {}, r.format.toUpperCase() + ' · ' + t('rep.lang_' + (r.lang === 'en' ? 'en' : 'zh'))),
				h('dt', {}, t('col.size')), h('dd', {}, bytes(r.bytes) + ' (' + num(r.bytes) + ' B)'),
				h('dt', {}, 'SHA-256'), h('dd', {}, h('code', { class: 'sha' }, r.sha256)),
				h('dt', {}, t('rep.col.by')), h('dd', {}, r.scheduled ? t('rep.by_schedule') : actor(r.who)),
				h('dt', {}, t('rep.col.at')), h('dd', {}, time(r.ts)),
				h('dt', {}, t('rep.keep_until')), h('dd', {}, time(r.keep_until)),
				h('dt', {}, t('rep.version')), h('dd', {}, r.persons ? t('rep.persons') : t('rep.departments_only'))) :
				emptyState({ title: t('rep.no_file') }));
			try {
				const days = Math.round((Date.parse(range.to) - Date.parse(range.from)) / 86400e3);
				const step = days > 2 ? 86400 : 3600;
				const [s, deps, cats] = await Promise.all([
					get('series', { from: range.from, to: range.to, step }),
					get('top', { what: 'departments', from: range.from, to: range.to, limit: 10 }),
					get('top', { what: 'categories', from: range.from, to: range.to, limit: 10 }),
				]);
				if (gone)
					return;
				const pts = s.series || [];
				const sum = (k) => pts.reduce((a, p) => a + (p[k] || 0), 0);
				const down = sum('bytes_down'), up = sum('bytes_up');
				replace(prevStats,
					stat(t('rep.total'), bytes(down + up), t('dash.now_rate_sub', { down: bytes(down), up: bytes(up) }), { id: 'rep-total' }),
					stat(t('rep.flows'), num(sum('flows')), t('rep.days', { n: days }), { id: 'rep-flows' }),
					stat(t('rep.busiest'), down + up ? busiest(pts, step) : '—', t('rep.busiest_sub'), { id: 'rep-busiest' }),
					stat(t('rep.depts'), num((deps.top || []).filter(d => d.name).length), t('rep.depts_sub'), { id: 'rep-ndepts' }));
				chart.set(pts.map(p => (step === 86400 ? time(p.t).slice(5, 10) : clock(p.t))),
					[pts.map(p => p.bytes_down), pts.map(p => p.bytes_up)]);
				const topCols = (nameLabel, unnamed) => [
					{ label: nameLabel, value: x => (x.name ? x.name : h('span', { class: 'muted' }, unnamed)), class: 'ellipsis' },
					{ label: t('col.bytes'), value: x => bytes(x.bytes), num: true },
					{ label: t('rep.share'), value: x => (down + up ? (100 * x.bytes / (down + up)).toFixed(1) + '%' : '—'), num: true },
					{ label: t('col.flows'), value: x => num(x.flows), num: true },
				];
				replace(prevDepts, table(topCols(t('col.department'), t('dash.unregistered')), deps.top, { title: t('rep.no_data') }));
				replace(prevCats, table(topCols(t('col.category'), '—'), cats.top, { title: t('rep.no_data') }));
			} catch (e) {
				if (gone)
					return;
				replace(prevStats, emptyState({ title: e.message }));
				chart.set([], [[], []]);
			}
		}

		function busiest(pts, step) {
			const top = pts.reduce((a, p) => ((p.bytes_down + p.bytes_up) > (a.bytes_down + a.bytes_up) ? p : a));
			return step === 86400 ? time(top.t).slice(0, 10) : time(top.t).slice(0, 16);
		}

		refresh().then(() => preview(reports[0] || null));
		ctx.every(30000, () => !busy && refresh());
	},
};
