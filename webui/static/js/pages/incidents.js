// incidents.js - 安全事件: the detectors' deduplicated incidents. The list
// (filters: status, type, severity, department, since; paging), open counts
// by severity at the top, and one incident at #/incidents/N: its sentence
// in the console's language, both ends with host, person and department,
// the evidence flows, the notes, and (security only) ack / resolve /
// false positive with a note and an assignee. The auditor reads only: the
// buttons are not there. Every read is audited by the daemon.
import { h, replace } from '../dom.js';
import { t, has, lang } from '../i18n.js';
import { get, post } from '../api.js';
import { panel, table, field, input, button, values, select, tag, two, emptyState } from '../ui.js';
import { bytes, num, time, endpoint } from '../format.js';
import { app } from '../names.js';

const PAGE = 50;
export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'];
const TYPES = ['scan', 'bruteforce', 'risk', 'blocklist', 'policy', 'rogue-ra', 'rogue-dhcp'];
const STATUSES = ['new', 'acknowledged', 'resolved', 'false_positive'];
const SINCE = ['-1h', '-24h', '-7d', '-30d', 'all'];
const STATUS_KIND = { new: 'bad', acknowledged: 'warn', resolved: 'ok', false_positive: 'muted' };

// a label from the catalogue, or the daemon's own word when it is new to us
const label = (prefix, v) => (v && has(prefix + v) ? t(prefix + v) : v || '—');

export function sevTag(s) {
	return h('span', { class: ['sev', 'sev-' + s], 'data-severity': s }, label('inc.sev.', s));
}

function statusTag(s) {
	return tag(label('inc.status.', s), STATUS_KIND[s]);
}

// the daemon's "alice via zhulan-web(uid 998) from 192.0.2.5": the account
// shown, the whole in its tooltip
export function actor(who) {
	return h('span', { title: who || null }, (who || '—').split(' via ')[0]);
}

function sentence(x) {
	const m = x.message || {};
	return (lang() === 'en' ? m.en || m.zh : m.zh || m.en) || '';
}

// "张三 · 财政局" / "fin-pc-01"; the address under it
function party(ip, port, p) {
	p = p || {};
	const who = [p.person, p.department].filter(Boolean).join(' · ');
	if (!who && !p.host)
		return h('span', { class: 'mono' }, endpoint(ip, port));
	return two(who || p.host, [who && p.host, endpoint(ip, port)].filter(Boolean).join(' '), 'mono');
}

// Open incidents by severity: five cards; a click filters the list by
// that severity (onpick) or opens the page (a link, on the dashboard).
export function severityCounts(el, counts, onpick) {
	if (!counts) {
		replace(el);
		return;
	}
	replace(el, SEVERITIES.map(s => {
		const n = counts[s] || 0;
		const inner = [h('span', { class: 'sev-card-label' }, label('inc.sev.', s)),
			h('span', { class: 'sev-card-n' }, num(n))];
		const cls = ['sev-card', 'sev-card-' + s, n === 0 && 'sev-card-zero'];
		return onpick ?
			h('button', { type: 'button', class: cls, 'data-sev-count': s, onclick: () => onpick(s) }, inner) :
			h('a', { class: cls, 'data-sev-count': s, href: '#/incidents?severity=' + s + '&since=all' }, inner);
	}));
}

// The counts of open incidents: the status's open_by_severity when this role
// may read the status (security), else counted from the list (auditor).
async function openCounts(ctx) {
	if (ctx.session.role === 'security') {
		const s = await get('status');
		if (s.incidents && s.incidents.open_by_severity)
			return { counts: s.incidents.open_by_severity };
	}
	const counts = {};
	let more = false;
	for (const status of ['new', 'acknowledged']) {
		const r = await get('incidents', { status, limit: 1000 });
		for (const x of r.incidents || [])
			counts[x.severity] = (counts[x.severity] || 0) + 1;
		more = more || !!r.more;
	}
	return { counts, more };
}

function hashParams() {
	const q = location.hash.split('?')[1] || '';
	return Object.fromEntries(new URLSearchParams(q));
}

let lastList = '#/incidents';

export default {
	render(body, ctx) {
		const m = location.hash.match(/^#\/incidents\/(\d+)/);
		if (m)
			return detail(body, ctx, Number(m[1]));
		return list(body, ctx);
	},
};

// ---------- the list ----------

function list(body, ctx) {
	const init = hashParams();
	let filters = {
		status: STATUSES.includes(init.status) ? init.status : '',
		type: TYPES.includes(init.type) ? init.type : '',
		severity: SEVERITIES.includes(init.severity) ? init.severity : '',
		department: init.department || '',
		since: SINCE.includes(init.since) ? init.since : '-7d',
	};
	let offset = 0;
	lastList = location.hash || '#/incidents';
	const counts = h('div', { class: 'sev-cards', id: 'inc-counts' });
	const countsNote = h('div', { class: 'muted small', id: 'inc-counts-note' });
	const result = h('div', { id: 'inc-list' });
	const pager = h('div', { class: 'pager', id: 'inc-pager' });
	const suppressed = h('div', { class: 'muted small', id: 'inc-suppressed' });
	const form = h('form', {
		class: 'filters', id: 'inc-filters',
		onsubmit: (e) => {
			e.preventDefault();
			const v = values(form);
			filters = { status: v.status, type: v.type, severity: v.severity, department: v.department, since: v.since };
			offset = 0;
			remember();
			load();
		},
	},
	field(t('inc.f.status'), select('status', [['', t('inc.any')], ...STATUSES.map(s => [s, label('inc.status.', s)])], filters.status)),
	field(t('inc.f.type'), select('type', [['', t('inc.any')], ...TYPES.map(s => [s, label('inc.type.', s)])], filters.type)),
	field(t('inc.f.severity'), select('severity', [['', t('inc.any')], ...SEVERITIES.map(s => [s, label('inc.sev.', s)])], filters.severity)),
	field(t('col.department'), input('department', { value: filters.department, placeholder: t('al.department_ph') })),
	field(t('inc.f.since'), select('since', SINCE.map(s => [s, t('inc.since' + (s === 'all' ? '-all' : s))]), filters.since)),
	h('div', { class: 'filter-actions' },
		button(t('filter.search'), null, { type: 'submit', kind: 'primary', action: 'search' }),
		button(t('filter.reset'), () => {
			filters = { status: '', type: '', severity: '', department: '', since: '-7d' };
			for (const [k, v] of Object.entries(filters))
				form.elements[k].value = v;
			offset = 0;
			remember();
			load();
		}, { action: 'reset' })));

	// the filters live in the address, so that back from an incident
	// returns to the same list (replaceState: no hashchange, no redraw)
	function remember() {
		const q = new URLSearchParams(Object.entries(filters).filter(([, v]) => v)).toString();
		lastList = '#/incidents' + (q ? '?' + q : '');
		history.replaceState(null, '', lastList);
	}

	// a count covers every open incident, however old: the list then too
	function pick(s) {
		filters.severity = filters.severity === s ? '' : s;
		filters.since = 'all';
		form.elements.severity.value = filters.severity;
		form.elements.since.value = 'all';
		for (const el of counts.querySelectorAll('[data-sev-count]'))
			el.classList.toggle('active', el.dataset.sevCount === filters.severity);
		offset = 0;
		remember();
		load();
	}

	async function drawCounts() {
		try {
			const r = await openCounts(ctx);
			severityCounts(counts, r.counts, pick);
			for (const el of counts.querySelectorAll('[data-sev-count]'))
				el.classList.toggle('active', el.dataset.sevCount === filters.severity);
			countsNote.textContent = r.more ? t('inc.counts_more') : t('inc.counts_note');
		} catch (e) {
			replace(counts);
			countsNote.textContent = '';
		}
	}

	async function load() {
		try {
			const r = await get('incidents', Object.assign({ limit: PAGE, offset }, filters,
				{ since: filters.since === 'all' ? '' : filters.since }));
			ctx.clearError();
			const rows = r.incidents || [];
			replace(result, table([
				{ label: t('inc.col.severity'), value: x => sevTag(x.severity) },
				{ label: t('inc.col.what'), value: x => [
					h('a', { href: '#/incidents/' + x.id, class: 'inc-link', 'data-incident': x.id }, sentence(x) || label('inc.type.', x.type)),
					h('div', { class: 'cell-sub' }, '#' + x.id + ' · ' + label('inc.type.', x.type) +
						(x.risks && x.risks.length ? ' · ' + x.risks.join(', ') : '')),
				], class: 'inc-what' },
				{ label: t('inc.col.src'), value: x => party(x.src_ip, x.src_port, x.src) },
				{ label: t('inc.col.dst'), value: x => party(x.dest_ip, x.dest_port, x.dest) },
				{ label: t('inc.col.count'), value: x => num(x.count), num: true },
				{ label: t('inc.col.last'), value: x => two(time(x.last), t('inc.first_at', { t: time(x.first).slice(5) })), class: 'nowrap' },
				{ label: t('col.state'), value: x => [statusTag(x.status), x.assignee ? h('div', { class: 'cell-sub' }, x.assignee) : null] },
			], rows, { title: t('inc.empty'), hint: t('inc.empty_hint') }));
			const sup = Object.entries(r.suppressed || {}).filter(([, n]) => n > 0);
			suppressed.textContent = sup.length ? t('inc.suppressed', {
				list: sup.map(([k, n]) => label('inc.type.', k) + ' ' + num(n)).join(lang() === 'en' ? ', ' : '，'),
			}) : '';
			replace(pager,
				h('span', { class: 'pager-info' }, rows.length ? t('pager.range', {
					a: num(offset + 1), b: num(offset + rows.length), n: r.more ? num(offset + rows.length) + '+' : num(offset + rows.length),
				}) : ''),
				button(t('pager.prev'), () => { offset = Math.max(0, offset - PAGE); load(); },
					{ disabled: offset === 0, action: 'prev' }),
				button(t('pager.next'), () => { offset += PAGE; load(); }, { disabled: !r.more, action: 'next' }));
		} catch (e) {
			ctx.error(e);
		}
	}

	replace(body,
		h('div', { class: 'sev-head' }, h('h2', { class: 'section-title' }, t('inc.open')), countsNote), counts,
		panel(null, form, { class: 'panel-filters' }),
		panel(null, [h('p', { class: 'muted small' }, t('inc.personal')), result, pager, suppressed], { id: 'incidents' }));
	drawCounts();
	load();
	// every read is an audited personal read: once a minute is enough
	ctx.every(60000, () => {
		drawCounts();
		if (offset === 0)
			load();
	});
}

// ---------- one incident ----------

function kv(pairs, cls) {
	return h('dl', { class: ['kv', cls] }, pairs.filter(Boolean).map(([k, v, id]) =>
		[h('dt', {}, k), h('dd', { id }, v === null || v === undefined || v === '' ? '—' : v)]));
}

function partyCard(title, ip, port, p, mac, id) {
	p = p || {};
	const known = p.host || p.person || p.department;
	return panel(title, [known ? null : h('p', { class: 'muted small' }, t('inc.not_in_book')), kv([
		[t('inc.addr'), h('span', { class: 'mono' }, endpoint(ip, port))],
		known ? [t('col.hostname_pc'), p.host] : null,
		known ? [t('col.owner'), p.person] : null,
		known ? [t('col.department'), p.department] : null,
		mac ? [t('col.mac'), h('span', { class: 'mono' }, mac)] : null,
	])], { id });
}

async function detail(body, ctx, id) {
	const canChange = ctx.session.role === 'security';
	const back = h('a', { href: lastList, class: 'back-link', 'data-action': 'back' }, t('inc.back'));
	let x;
	try {
		x = await get('incidents/' + id);
	} catch (e) {
		replace(body, back, emptyState({ title: e.status === 404 ? t('inc.not_found', { id }) : e.message }));
		return;
	}
	const open = x.status === 'new' || x.status === 'acknowledged';
	const head = panel(null, [
		h('div', { class: 'inc-head' }, sevTag(x.severity), statusTag(x.status),
			h('span', { class: 'muted' }, '#' + x.id + ' · ' + label('inc.type.', x.type))),
		h('p', { class: 'inc-sentence', id: 'inc-sentence' }, sentence(x)),
		kv([
			[t('inc.first'), time(x.first)],
			[t('inc.last'), time(x.last)],
			[t('inc.col.count'), num(x.count), 'inc-count'],
			x.targets ? [t('inc.targets'), num(x.targets)] : null,
			[t('col.proto'), [x.proto, x.app_proto].filter(Boolean).join(' · ')],
			x.risks && x.risks.length ? [t('inc.risks'), x.risks.map(r => tag(r, 'warn'))] : null,
			x.vlan ? ['VLAN', String(x.vlan)] : null,
			[t('inc.assignee'), x.assignee, 'inc-assignee'],
		], 'kv-wide'),
	], { id: 'incident', class: 'sev-border-' + x.severity });

	const ends = h('div', { class: 'grid-2' },
		partyCard(t('inc.src'), x.src_ip, x.src_port, x.src, x.src_mac, 'inc-src'),
		partyCard(t('inc.dst'), x.dest_ip, x.dest_port, x.dest, null, 'inc-dst'));

	const flows = x.evidence_flows || [];
	const evidence = panel(t('inc.evidence'), h('div', { id: 'inc-evidence' },
		flows.length ? table([
			{ label: t('col.time'), value: f => two(time(f.first_seen), t('inc.flow_until', { t: time(f.last_seen).slice(11) })), class: 'nowrap' },
			{ label: t('col.client'), value: f => endpoint(f.src_ip, f.src_port), class: 'mono' },
			{ label: t('col.server'), value: f => endpoint(f.dst_ip, f.dst_port), class: 'mono' },
			{ label: t('col.proto'), value: f => f.proto },
			{ label: t('col.app'), value: f => app(f.app) },
			{ label: t('col.hostname'), value: f => f.host, class: 'ellipsis' },
			{ label: t('inc.risks'), value: f => (f.risks && f.risks.length ? f.risks.join(', ') : '') },
			{ label: t('col.bytes'), value: f => bytes(f.bytes), num: true },
			{ label: t('col.packets'), value: f => num(f.packets), num: true },
			{ label: t('inc.flow_id'), value: f => String(f.id), num: true },
		], flows) : [
			(x.evidence || []).length ? table([
				{ label: t('col.proto'), value: k => k.proto },
				{ label: t('col.client'), value: k => endpoint(k.a_ip, k.a_port), class: 'mono' },
				{ label: t('col.server'), value: k => endpoint(k.b_ip, k.b_port), class: 'mono' },
			], x.evidence) : null,
			h('p', { class: 'muted small' }, t('inc.evidence_none')),
		]), { id: 'evidence' });

	const notes = x.notes || [];
	const notesPanel = panel(t('inc.notes'), h('div', { id: 'inc-notes' },
		notes.length ? h('ol', { class: 'timeline' }, notes.map(n => h('li', { class: 'timeline-item' },
			h('div', { class: 'timeline-head' },
				h('span', { class: 'timeline-who' }, actor(n.who)),
				h('span', { class: 'muted small' }, time(n.ts)),
				n.from && n.to && n.from !== n.to ? h('span', { class: 'small' }, label('inc.status.', n.from), ' → ', statusTag(n.to)) : null,
				n.assignee ? h('span', { class: 'small muted' }, t('inc.assigned_to', { who: n.assignee })) : null),
			n.text ? h('div', { class: 'timeline-text' }, n.text) : null))) :
			emptyState({ title: t('inc.no_notes') })), { id: 'notes' });

	let actions = null;
	if (canChange) {
		const note = h('textarea', { name: 'note', id: 'f-note', rows: 3, maxlength: 4000, placeholder: t('inc.note_ph') });
		const assign = input('assign', { value: x.assignee || ctx.session.user, maxlength: 63 });
		const act = async (action) => {
			const v = { note: note.value.trim(), assign: assign.value.trim() };
			const req = {};
			if (action)
				req.action = action;
			if (v.note)
				req.note = v.note;
			if (v.assign && v.assign !== (x.assignee || ''))
				req.assign = v.assign;
			if (!Object.keys(req).length) {
				ctx.notice('warn', t('inc.nothing'));
				return;
			}
			try {
				const r = await post('incidents/' + id, req);
				await detail(body, ctx, id);
				ctx.notice('ok', action ? t('inc.changed', { id, status: label('inc.status.', r.status) }) : t('inc.noted', { id }));
			} catch (e) {
				ctx.error(e);
			}
		};
		actions = panel(t('inc.handle'), h('form', { class: 'inc-form', id: 'inc-actions', onsubmit: (e) => e.preventDefault() },
			field(t('inc.note'), note),
			field(t('inc.assignee'), assign, t('inc.assignee_hint')),
			h('div', { class: 'inc-buttons' },
				open && x.status === 'new' ? button(t('inc.ack'), () => act('ack'), { kind: 'primary', action: 'ack' }) : null,
				open ? button(t('inc.resolve'), () => act('resolve'), { kind: x.status === 'new' ? null : 'primary', action: 'resolve' }) : null,
				open ? button(t('inc.false_positive'), () => act('false-positive'), { action: 'false-positive' }) : null,
				button(t('inc.save_note'), () => act(null), open ? { class: 'btn-ghost', action: 'note' } : { kind: 'primary', action: 'note' })),
			open ? null : h('p', { class: 'muted small' }, t('inc.closed'))), { id: 'actions' });
	}

	replace(body, back, head, ends,
		h('div', { class: canChange ? 'grid-2 grid-top' : '' }, actions, notesPanel),
		evidence,
		canChange ? null : h('p', { class: 'muted small', id: 'inc-readonly' }, t('inc.readonly')));
}
