// flows.js - 流量: live flows (refreshed every 5 s) and stored ones, with
// filters (host, application, category, time) and paging.
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { get } from '../api.js';
import { panel, table, field, input, button, tabs, values, select } from '../ui.js';
import { category, app, categories } from '../names.js';
import { bytes, num, time, endpoint, inputToUtc } from '../format.js';

const PAGE = 50;

export function flowColumns() {
	return [
		{ label: t('col.last_seen'), value: f => time(f.last_seen), class: 'nowrap' },
		{ label: t('col.client'), value: f => endpoint(f.src_ip, f.src_port), class: 'mono' },
		{ label: t('col.server'), value: f => endpoint(f.dst_ip, f.dst_port), class: 'mono' },
		{ label: t('col.proto'), value: f => f.proto },
		{ label: t('col.app'), value: f => app(f.app) },
		{ label: t('col.category'), value: f => category(f.category), class: 'nowrap' },
		{ label: t('col.hostname'), value: f => f.host, class: 'ellipsis host-name' },
		{ label: t('col.up'), value: f => bytes(f.src2dst_bytes), num: true },
		{ label: t('col.down'), value: f => bytes(f.dst2src_bytes), num: true },
		{ label: t('col.packets'), value: f => num(f.packets), num: true },
	];
}

export default {
	render(body, ctx) {
		let mode = 'live', offset = 0, filters = {};
		const modeTabs = h('div', {});
		const result = h('div', { id: 'flows-result' });
		const pager = h('div', { class: 'pager', id: 'flows-pager' });
		const form = h('form', {
			class: 'filters', id: 'flows-filters',
			onsubmit: (e) => {
				e.preventDefault();
				const v = values(form);
				filters = { host: v.host, app: v.app, category: v.category, from: inputToUtc(v.from), to: inputToUtc(v.to) };
				offset = 0;
				load();
			},
		},
		field(t('col.host_filter'), input('host', { placeholder: '192.0.2.10' })),
		field(t('col.app'), input('app', { placeholder: 'Douyin' })),
		field(t('col.category'), select('category', [['', t('al.any')], ...categories()], '')),
		field(t('filter.from'), input('from', { type: 'datetime-local' })),
		field(t('filter.to'), input('to', { type: 'datetime-local' })),
		h('div', { class: 'filter-actions' },
			button(t('filter.search'), null, { type: 'submit', kind: 'primary', action: 'search' }),
			button(t('filter.reset'), () => {
				form.reset();
				filters = {};
				offset = 0;
				load();
			})));
		const drawTabs = () => replace(modeTabs, tabs([['live', t('flows.live')], ['stored', t('flows.stored')]], mode, (m) => {
			mode = m;
			offset = 0;
			drawTabs();
			load();
		}));
		drawTabs();
		replace(body, panel(null, [modeTabs, form], { class: 'panel-filters' }),
			panel(null, [result, pager], { id: 'flows' }));

		async function load() {
			try {
				const r = await get('flows', Object.assign({ live: mode === 'live' ? 1 : 0, limit: PAGE, offset }, filters));
				ctx.clearError();
				if (mode === 'live') {
					const rows = (r.live || []).slice().sort((a, b) => (b.bytes || 0) - (a.bytes || 0));
					replace(result, h('div', { class: 'table-note' }, t('flows.live_note', { n: num(rows.length) })),
						table(flowColumns(), rows, { title: t('flows.none_live'),
							hint: Object.values(filters).some(Boolean) ? t('flows.none_hint') : t('flows.none_live_hint') }));
					replace(pager);
				} else {
					// no total (the daemon does not count a large table): "more" says
					// whether there is a next page
					const st = r.stored || { flows: [], more: false };
					const n = (st.flows || []).length;
					replace(result, table(flowColumns(), st.flows, { title: t('flows.none_stored'), hint: t('flows.none_hint') }));
					replace(pager,
						h('span', { class: 'pager-info', id: 'flows-page' }, n || offset ? t('flows.page', {
							p: num(offset / PAGE + 1), a: num(offset + 1), b: num(offset + n),
						}) : ''),
						button(t('pager.prev'), () => { offset = Math.max(0, offset - PAGE); load(); },
							{ disabled: offset === 0, action: 'prev' }),
						button(t('pager.next'), () => { offset += PAGE; load(); },
							{ disabled: !st.more, action: 'next' }));
				}
			} catch (e) {
				ctx.error(e);
			}
		}
		load();
		ctx.every(5000, () => mode === 'live' && load());
	},
};
