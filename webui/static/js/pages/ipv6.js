// ipv6.js - IPv6 改造: how far the county has moved to IPv6 against the
// national targets (the share of traffic over IPv6; the government sites
// that are IPv6-ready), the departments ranked, the 30- and 180-day trend,
// the to-do list of services, the readiness checks of the county's sites
// (each criterion ✓ or ✗ with its reason and since when) and, for admin
// only, the hosts (personal data: every read is audited by the daemon).
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { get, post } from '../api.js';
import { panel, table, stat, tabs, tag, two, button, emptyState } from '../ui.js';
import { bytes, num, time } from '../format.js';
import { lineChart } from '../charts.js';

const CRITERIA = ['aaaa', 'ns', 'homepage_v6', 'content', 'links_l2', 'links_l3', 'degradation'];
const TODO_DAYS = 7;

// a share in percent (the daemon gives two decimals), '—' without traffic
export function pct(v) {
	return v === null || v === undefined || Number.isNaN(Number(v)) ? '—' : Number(v).toFixed(1) + '%';
}

// a bar of the share against the target (the browser colours a <meter>:
// under the target amber, at or over it green)
function meter(v, target) {
	return h('meter', {
		class: 'share-meter', min: 0, max: 100, low: target, high: target, optimum: 100,
		value: Math.max(0, Math.min(100, Number(v) || 0)), title: pct(v),
	});
}

function share(v, target) {
	return h('div', { class: 'share' }, meter(v, target), h('span', { class: 'share-num' }, pct(v)));
}

function mark(ok) {
	return h('span', { class: ['mark', ok ? 'mark-ok' : 'mark-bad'], 'data-ok': ok ? '1' : '0',
		'aria-label': ok ? t('v6.pass') : t('v6.fail') }, ok ? '✓' : '✗');
}

const hasTraffic = (f) => f && f.bytes && (f.bytes.ipv4 + f.bytes.ipv6) > 0;

export default {
	render(body, ctx) {
		const admin = ctx.session.role === 'admin';
		let days = 30, targets = { traffic_percent: 27, portals_percent: 100 };
		const stats = h('div', { class: 'stats', id: 'v6-stats' });
		const chartBox = h('div', { class: 'chart-box' });
		const depts = h('div', { id: 'v6-departments' });
		const todo4 = h('div', { id: 'v6-todo-aaaa' });
		const todoNone = h('div', { id: 'v6-todo-noaaaa' });
		const sites = h('div', { id: 'v6-sites' });
		const sitesTools = h('span', { class: 'panel-tools-inline' });
		const hosts = h('div', { id: 'v6-hosts' });
		const rangeTabs = h('div', {});
		const drawTabs = () => replace(rangeTabs, tabs([[30, t('v6.days30')], [180, t('v6.days180')]], days, (d) => {
			days = d;
			drawTabs();
			trend().catch(e => ctx.error(e));
		}));
		drawTabs();
		const chart = lineChart(chartBox, [t('v6.trend_bytes'), t('v6.trend_active'), t('v6.trend_target')],
			(v) => Math.round(v) + '%', {
				datasets: [{ pointRadius: 3, spanGaps: true }, { pointRadius: 3, fill: false, spanGaps: true },
					{ borderDash: [6, 4], fill: false, pointRadius: 0, borderColor: '#c0392b' }],
				y: { min: 0, max: 100 },
			});
		ctx.onLeave(() => chart.destroy());
		replace(body,
			stats,
			panel(t('v6.trend'), chartBox, { id: 'v6-trend', tools: rangeTabs }),
			panel(t('v6.departments'), depts, { id: 'v6-departments' }),
			h('div', { class: 'grid-2' },
				panel(t('v6.todo_aaaa', { n: TODO_DAYS }), [h('p', { class: 'muted small' }, t('v6.todo_aaaa_hint')), todo4],
					{ id: 'v6-todo-aaaa' }),
				panel(t('v6.todo_noaaaa', { n: TODO_DAYS }), [h('p', { class: 'muted small' }, t('v6.todo_noaaaa_hint')), todoNone],
					{ id: 'v6-todo-noaaaa' })),
			panel(t('v6.sites'), sites, { id: 'v6-sites', tools: sitesTools }),
			admin ? panel(t('v6.hosts'), hosts, { id: 'v6-hosts' }) : null);

		let summary = null, siteSum = null;
		function drawStats() {
			const c = summary && summary.county;
			const live = hasTraffic(c);
			const b = live ? c.bytes.ipv6_share : null;
			const todoN = summary && summary.todo ? summary.todo.aaaa_over_ipv4 + summary.todo.no_aaaa : null;
			const ready = siteSum ? siteSum.ready_percent : null;
			replace(stats,
				stat(t('v6.share_today') + (summary && summary.day ? ' · ' + summary.day : ''), pct(b), t('v6.target', { n: targets.traffic_percent }) +
					(b !== null ? ' · ' + (b >= targets.traffic_percent ? t('v6.met') :
						t('v6.gap', { n: (targets.traffic_percent - b).toFixed(1) })) : ''),
				{ id: 'v6-share', kind: b === null ? null : b >= targets.traffic_percent ? null : 'warn' }),
				stat(t('v6.active_hosts'), c ? pct(c.active_hosts_share) : '—',
					c ? t('v6.active_hosts_sub', { n: num(c.hosts.dual_stack_active + c.hosts.ipv6_only), of: num(c.hosts.total) }) : '',
					{ id: 'v6-active' }),
				stat(t('v6.dual_use'), c ? pct(c.dual_stack_use_share) : '—', t('v6.dual_use_sub'), { id: 'v6-dual' }),
				stat(t('v6.portals'), siteSum && siteSum.configured ? pct(ready) : '—',
					siteSum && siteSum.configured ? t('v6.portals_sub', { n: siteSum.ready, of: siteSum.configured, target: targets.portals_percent }) :
						t('v6.no_sites_short'),
					{ id: 'v6-portals', kind: siteSum && siteSum.configured && ready < targets.portals_percent ? 'bad' : null }),
				stat(t('v6.todo'), todoN === null ? '—' : num(todoN), t('v6.todo_sub'), { id: 'v6-todo', kind: todoN ? 'warn' : null }));
		}

		function drawDepartments() {
			const rows = ((summary && summary.departments) || []).slice()
				.sort((a, b) => (b.bytes.ipv6_share || 0) - (a.bytes.ipv6_share || 0));
			const target = targets.traffic_percent;
			replace(depts, table([
				{ label: t('v6.col.rank'), value: r => String(rows.indexOf(r) + 1), num: true },
				{ label: t('col.department'), value: r => r.department || h('span', { class: 'muted' }, t('dash.unregistered')) },
				{ label: t('v6.col.share'), value: r => share(r.bytes.ipv6_share, target), class: 'share-cell' },
				{ label: t('v6.col.active'), value: r => pct(r.active_hosts_share), num: true },
				{ label: t('v6.state.dual_stack_active'), value: r => num(r.hosts.dual_stack_active), num: true },
				{ label: t('v6.state.ipv6_idle'), value: r => num(r.hosts.ipv6_idle), num: true },
				{ label: t('v6.state.ipv4_only'), value: r => num(r.hosts.ipv4_only), num: true },
				{ label: t('v6.col.vs_target'), value: r => !hasTraffic(r) ? tag(t('v6.no_traffic'), 'muted') :
					r.bytes.ipv6_share >= target ? tag(t('v6.met'), 'ok') :
						tag(t('v6.gap', { n: (target - r.bytes.ipv6_share).toFixed(1) }), 'warn') },
			], rows, { title: t('v6.no_departments'), hint: t('dash.no_departments_hint') }));
		}

		function svcCols(ipv4First) {
			return [
				{ label: t('v6.col.service'), value: r => two(r.name, r.app), class: 'ellipsis' },
				{ label: ipv4First ? t('v6.col.bytes_v4') : t('col.bytes'), value: r => bytes(ipv4First ? r.bytes_ipv4 : r.bytes_ipv4 + r.bytes_ipv6), num: true },
				ipv4First ? { label: t('v6.col.bytes_v6'), value: r => bytes(r.bytes_ipv6), num: true } :
					{ label: t('col.flows'), value: r => num(r.flows_ipv4 + r.flows_ipv6), num: true },
			];
		}

		async function figures() {
			const [s, v] = await Promise.all([get('ipv6'), get('ipv6/services', { days: TODO_DAYS, limit: 15 })]);
			summary = s;
			targets = s.targets || targets;
			drawStats();
			drawDepartments();
			const td = v.todo || {};
			replace(todo4, table(svcCols(true), td.aaaa_over_ipv4, { title: t('v6.todo_none') }));
			replace(todoNone, table(svcCols(false), td.no_aaaa, { title: t('v6.todo_none') }));
		}

		async function trend() {
			const r = await get('ipv6/trend', { days });
			const byDay = {};
			for (const p of r.trend || [])
				byDay[p.day] = p;
			// the whole window, so the target line spans it and days without
			// figures are gaps: the gateway's local dates, ending at its today
			// (the browser's clock and zone may differ); date arithmetic only
			const end = Date.parse((r.today || new Date().toISOString().slice(0, 10)) + 'T00:00:00Z');
			const window = [];
			for (let i = days - 1; i >= 0; i--)
				window.push(new Date(end - i * 86400000).toISOString().slice(0, 10));
			const target = (r.targets || targets).traffic_percent;
			const fig = (d, f) => (hasTraffic(byDay[d]) ? f(byDay[d]) : null);
			chart.set(window.map(d => d.slice(5)), [
				window.map(d => fig(d, p => p.bytes.ipv6_share)),
				window.map(d => fig(d, p => p.active_hosts_share)),
				window.map(() => target)]);
		}

		async function check(url) {
			try {
				const r = await post('ipv6/check', url ? { url } : {});
				ctx.notice('info', t('v6.queued', { n: (r.queued || []).length }));
			} catch (e) {
				ctx.error(e);
			}
		}

		function siteCard(s) {
			const checked = s.checked !== null && s.checked !== undefined;
			const byId = {};
			for (const c of s.criteria || [])
				byId[c.id] = c;
			const head = h('div', { class: 'site-head' },
				h('div', { class: 'site-title' },
					h('span', { class: 'site-url' }, s.url),
					!s.configured ? tag(t('v6.on_demand'), 'muted') : null),
				h('div', { class: 'site-state' },
					!checked ? tag(t('v6.not_checked'), 'muted') :
						tag(s.ready ? t('v6.ready') : t('v6.not_ready'), s.ready ? 'ok' : 'bad'),
					checked ? h('span', { class: 'muted small' }, t('v6.checked_at', { at: time(s.checked), since: s.ready_since || '—' })) : null,
					admin ? button(t('v6.check_one'), () => check(s.url), { class: 'btn-small', action: 'check-site' }) : null));
			const crit = checked ? table([
				{ label: t('v6.col.criterion'), value: id => t('v6.crit.' + id) },
				{ label: t('v6.col.result'), value: id => byId[id] ? mark(byId[id].ok) : '—' },
				{ label: t('v6.col.reason'), value: id => byId[id] ? byId[id].reason : '', class: 'wrap' },
				{ label: t('v6.col.since'), value: id => byId[id] ? byId[id].since : '', class: 'nowrap' },
			], CRITERIA.filter(id => byId[id])) : emptyState({ title: t('v6.not_checked_yet') });
			return h('div', { class: ['site-card', checked && (s.ready ? 'site-ok' : 'site-bad')], 'data-site': s.url }, head, crit);
		}

		async function sitesPanel() {
			const r = await get('ipv6/sites');
			siteSum = r.summary;
			targets = r.targets || targets;
			drawStats();
			replace(sitesTools, admin ? button(t('v6.check_all'), () => check(null), { action: 'check-all', kind: 'primary', class: 'btn-small' }) : null);
			const list = r.sites || [];
			replace(sites,
				h('p', { class: 'site-summary' }, siteSum.configured ?
					t('v6.sites_summary', { n: siteSum.ready, of: siteSum.configured, p: pct(siteSum.ready_percent), target: targets.portals_percent }) +
					(r.check_hour !== null && r.check_hour !== undefined ? ' ' + t('v6.daily_at', { h: r.check_hour }) : '') : ''),
				list.length ? h('div', { class: 'site-list' }, list.map(siteCard)) :
					emptyState({ title: t('v6.no_sites'), hint: t('v6.no_sites_hint') }));
		}

		async function hostsPanel() {
			const r = await get('ipv6/hosts');
			const rows = (r.hosts || []).slice()
				.sort((a, b) => (b.bytes_ipv4 + b.bytes_ipv6) - (a.bytes_ipv4 + a.bytes_ipv6)).slice(0, 100);
			const kind = { dual_stack_active: 'ok', ipv6_only: 'ok', ipv6_idle: 'warn', ipv4_only: 'muted' };
			replace(hosts, table([
				{ label: t('v6.col.host'), value: r => two(r.name || r.host, r.name ? r.host : null) },
				{ label: t('col.department'), value: r => r.department },
				{ label: t('v6.col.addresses'), value: r => h('span', { class: 'mono small wrap' }, (r.addresses || []).join(' ')) },
				{ label: t('col.state'), value: r => tag(t('v6.state.' + r.state), kind[r.state]) },
				{ label: t('v6.col.share'), value: r => share(r.bytes_ipv6_share, targets.traffic_percent), class: 'share-cell' },
				{ label: t('v6.col.bytes_v4'), value: r => bytes(r.bytes_ipv4), num: true },
				{ label: t('v6.col.bytes_v6'), value: r => bytes(r.bytes_ipv6), num: true },
			], rows, { title: t('v6.no_hosts') }));
		}

		const safe = (fn) => fn().catch(e => ctx.error(e));
		safe(figures);
		safe(trend);
		safe(sitesPanel);
		if (admin)
			safe(hostsPanel);
		ctx.every(15000, () => sitesPanel().catch(() => {}));
		ctx.every(60000, () => Promise.all([figures(), trend()]).catch(() => {}));
	},
};
