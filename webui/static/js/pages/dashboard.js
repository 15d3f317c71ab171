// dashboard.js - 总览: traffic now and over the last 24 hours by
// application, category and department; top hosts (admin, security);
// blocks in the last hour; the policy in force; capture drops; the
// database. Refreshed every 5 seconds.
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { get } from '../api.js';
import { panel, table, stat, tabs, emptyState, two } from '../ui.js';
import { bytes, num, rate, clock, time, duration } from '../format.js';
import { lineChart } from '../charts.js';
import { pct } from './ipv6.js';
import { category, app } from '../names.js';
import { severityCounts } from './incidents.js';

const RANGES = { now: '-10m', day: '-24h' };

export default {
	render(body, ctx) {
		const role = ctx.session.role;
		const seesHosts = role === 'security';   // top hosts are personal data
		let range = 'now';
		const stats = h('div', { class: 'stats', id: 'dash-stats' });
		const chartBox = h('div', { class: 'chart-box' });
		const tops = {
			apps: h('div', { id: 'top-apps' }),
			categories: h('div', { id: 'top-categories' }),
			departments: h('div', { id: 'top-departments' }),
			hosts: h('div', { id: 'top-hosts' }),
		};
		const blocks = h('div', { id: 'dash-blocks' });
		// security: open incidents by severity, each a link to 安全事件
		const incidents = role === 'security' ? h('div', { class: 'sev-cards', id: 'dash-incidents' }) : null;
		const rangeTabs = h('div', {});
		const drawTabs = () => replace(rangeTabs, tabs([['now', t('dash.now')], ['day', t('dash.day')]], range, (r) => {
			range = r;
			drawTabs();
			refresh(true);
		}));
		drawTabs();
		const chart = lineChart(chartBox, [t('dash.down'), t('dash.up')], (v) => rate(v, 1));
		ctx.onLeave(() => chart.destroy());
		replace(body,
			stats,
			incidents ? h('section', { class: 'dash-incidents' }, h('h2', { class: 'section-title' }, t('dash.incidents')), incidents) : null,
			panel(t('dash.traffic24'), chartBox, { id: 'traffic' }),
			h('div', { class: 'section-bar' }, h('h2', { class: 'section-title' }, t('dash.by')), rangeTabs),
			h('div', { class: 'grid-3' },
				panel(t('dash.apps'), tops.apps, { id: 'apps' }),
				panel(t('dash.categories'), tops.categories, { id: 'categories' }),
				panel(t('dash.departments'), tops.departments, { id: 'departments' })),
			seesHosts ? h('div', { class: 'grid-2' },
				panel(t('dash.hosts'), tops.hosts, { id: 'hosts' }),
				panel(t('dash.blocks'), blocks, { id: 'blocks' })) : null);

		// top hosts: the address book's host name over the address, the
		// person over the department; an address not in the book says so
		const hostCols = [
			{ label: t('col.client'), value: r => two(r.registered && r.host_name || r.name, r.registered && r.host_name ? r.name : '', 'mono'),
				class: 'ellipsis' },
			{ label: t('col.owner_dept'), value: r => (r.registered ? two(r.owner, r.department) :
				h('span', { class: 'muted' }, t('dash.unregistered'))) },
			{ label: t('col.bytes'), value: r => bytes(r.bytes), num: true },
		];
		const topCols = (nameLabel, what) => what === 'hosts' ? hostCols : [
			{ label: nameLabel, value: r => (what === 'departments' && !r.name ? h('span', { class: 'muted' }, t('dash.unregistered')) :
				what === 'categories' ? category(r.name) : what === 'apps' ? app(r.name) : r.name), class: 'ellipsis' },
			{ label: t('col.bytes'), value: r => bytes(r.bytes), num: true },
			{ label: t('col.flows'), value: r => num(r.flows), num: true },
		];
		async function top(what, el, label) {
			try {
				const r = await get('top', { what, from: RANGES[range], limit: 8 });
				replace(el, table(topCols(label, what), r.top, { title: t('dash.no_traffic'), hint: t('dash.no_traffic_hint') }));
			} catch (e) {
				if (what === 'departments' && (e.status === 400 || e.status === 404 || e.status === 422))
					replace(el, emptyState({ title: t('dash.no_departments'), hint: t('dash.no_departments_hint') }));
				else if (e.status === 403)
					replace(el, emptyState({ title: t('common.not_for_role') }));
				else
					replace(el, emptyState({ title: e.message }));
			}
		}

		async function series() {
			try {
				const r = await get('series', { from: '-24h', step: 300 });
				const pts = r.series || [];
				const step = r.step || 300;
				chart.set(pts.map(p => clock(p.t)),
					[pts.map(p => p.bytes_down / step), pts.map(p => p.bytes_up / step)]);
				return pts.length ? pts[pts.length - 1] : null;
			} catch (e) {
				chart.set([], [[], []]);
				return null;
			}
		}

		async function blocksPanel(st) {
			if (role === 'security') {
				try {
					const r = await get('access-log', { action: 'block', from: '-1h', limit: 100 });
					const rows = r.rows || [];
					const n = rows.length + (r.next_before_id ? '+' : '');
					replace(blocks, h('div', { class: 'big-count', id: 'blocks-count' }, String(n)),
						table([
							{ label: t('col.time'), value: x => time(x.ts) },
							{ label: t('col.client'), value: x => x.host_name || x.client_ip },
							{ label: t('col.app'), value: x => app(x.app) },
							{ label: t('col.domain'), value: x => x.domain, class: 'ellipsis' },
						], rows.slice(0, 6), { title: t('dash.no_blocks') }));
					return n;
				} catch (e) {
					replace(blocks, emptyState({ title: e.message }));
					return null;
				}
			}
			const b = st && st.behaviour;
			return b ? b.blocks_active : null;
		}

		// Personal reads (top hosts, the access log) are audited one row
		// each: they refresh every 30 s, the rest every 5 s.
		let tick = 0, lastBlocks = null, v6 = null;
		async function refresh(force) {
			const personal = tick++ % 6 === 0 || force === true;
			const [st, last] = await Promise.all([get('status').catch(() => null), series()]);
			const work = [top('apps', tops.apps, t('col.app')), top('categories', tops.categories, t('col.category')),
				top('departments', tops.departments, t('col.department'))];
			if (seesHosts && personal)
				work.push(top('hosts', tops.hosts, t('col.host')));
			if (personal || role !== 'security')
				lastBlocks = await blocksPanel(st);
			if (personal && role !== 'security')   // the IPv6 figures: admin and report
				v6 = await get('ipv6').catch(() => v6);
			drawStats(st, last, lastBlocks);
			if (incidents)
				severityCounts(incidents, st && st.incidents && st.incidents.open_by_severity);
			await Promise.all(work);
		}

		// throughput now: the capture interfaces' byte counters between two refreshes
		let prev = null, now = null;
		function measure(st) {
			const ifs = (st && st.interfaces) || [];
			if (!ifs.length)
				return;
			const cur = { t: Date.now(), bytes: ifs.reduce((a, i) => a + (i.bytes || 0), 0) };
			if (prev && cur.t > prev.t && cur.bytes >= prev.bytes)
				now = { bytes: cur.bytes - prev.bytes, s: (cur.t - prev.t) / 1000 };
			prev = cur;
		}

		let downSig = '';
		function drawStats(st, last, nblocks) {
			measure(st);
			const ifs = (st && st.interfaces) || [];
			const down = ifs.filter(i => i.state === 'down');
			const sig = down.map(i => i.name).join(',');
			if (sig !== downSig) {
				downSig = sig;
				if (down.length)
					ctx.notice('error', t('dash.iface_down', { names: sig, at: time(down[0].down_since) }));
				else
					ctx.clearError();
			}
			const drops = ifs.reduce((a, i) => a + (i.kernel_dropped || 0) + (i.interface_dropped || 0), 0);
			const pol = st && st.policy;
			const db = st && st.database;
			const retention = st && (st.retention_days ?? (db && db.retention_days));
			const step = 300;
			replace(stats,
				now ? stat(t('dash.now_rate'), rate(now.bytes, now.s), t('dash.now_rate_ifs', { n: ifs.length }), { id: 'rate' }) :
					stat(t('dash.now_rate'), last ? rate(last.bytes_down + last.bytes_up, step) : '—',
						last ? t('dash.now_rate_sub', { down: rate(last.bytes_down, step), up: rate(last.bytes_up, step) }) : t('dash.no_data'),
						{ id: 'rate' }),
				stat(t('dash.flows'), st ? num(st.flows_tracked) : '—', st ? t('dash.uptime', { d: duration(st.uptime_s) }) : '',
					{ id: 'flows' }),
				stat(t('dash.blocks_hour'), nblocks === null || nblocks === undefined ? '—' : String(nblocks),
					role === 'security' ? t('dash.blocks_hour_sub') :
						t('dash.blocks_active_sub') + (st && st.behaviour ? ' · ' + t('dash.blocks_active_hint', { n: num(st.behaviour.decisions && st.behaviour.decisions.block) }) : ''),
					{ id: 'blocks' }),
				stat(t('dash.policy'), pol && pol.version ? t('dash.policy_v', { v: pol.version }) : '—',
					pol ? t('policy.state.' + (pol.state || 'none')) + (pol.applied ? ' · ' + time(pol.applied).slice(0, 16) : '') : '',
					{ id: 'policy', kind: pol && pol.state === 'pending' ? 'warn' : pol && pol.last_error ? 'bad' : null }),
				stat(t('dash.drops'), st ? num(drops + (st.records_dropped || 0)) : '—',
					st ? t('dash.drops_sub', { k: num(drops), r: num(st.records_dropped || 0) }) : '',
					{ id: 'drops', kind: drops > 0 ? 'bad' : null }),
				stat(t('dash.db'), db ? bytes(db.bytes) : '—',
					retention ? t('dash.retention', { n: retention }) : (db ? (db.writable ? t('dash.db_ok') : t('dash.db_bad')) : ''),
					{ id: 'db', kind: db && !db.writable ? 'bad' : null }),
				v6 ? stat(t('dash.ipv6'), pct(v6.county.bytes.ipv4 + v6.county.bytes.ipv6 ? v6.county.bytes.ipv6_share : null),
					t('dash.ipv6_sub', { n: v6.targets.traffic_percent }), { id: 'ipv6' }) : null);
		}

		refresh().catch(e => ctx.error(e));
		ctx.every(5000, () => refresh().catch(() => {}));
	},
};
