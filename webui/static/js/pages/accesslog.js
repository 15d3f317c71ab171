// accesslog.js - 上网日志: every filter of GET /access-log (time range,
// department, host, owner, application, domain, action), pages by
// next_before_id, and the same search exported as CSV.
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { get, raw } from '../api.js';
import { panel, table, field, input, button, values, select, tag, two } from '../ui.js';
import { bytes, time, endpoint, inputToUtc, toInput } from '../format.js';
import { app } from '../names.js';

const PAGE = 100;
const KIND = { block: 'bad', audit: 'muted', limit: 'warn' };

export default {
	render(body, ctx) {
		let filters = null, pages = [], cur = null;
		const result = h('div', { id: 'al-result' });
		const pager = h('div', { class: 'pager', id: 'al-pager' });
		const from = input('from', { type: 'datetime-local', value: toInput(new Date(Date.now() - 24 * 3600e3)) });
		const form = h('form', {
			class: 'filters', id: 'al-filters',
			onsubmit: (e) => {
				e.preventDefault();
				search();
			},
		},
		field(t('filter.from'), from),
		field(t('filter.to'), input('to', { type: 'datetime-local' })),
		field(t('col.department'), input('department', { placeholder: t('al.department_ph') })),
		field(t('col.host_filter'), input('host', { placeholder: '192.0.2.10' })),
		field(t('col.owner'), input('owner', { placeholder: t('al.owner_ph') })),
		field(t('col.app'), input('app', { placeholder: 'Douyin' })),
		field(t('col.domain'), input('domain', { placeholder: '*.example.com' })),
		field(t('col.action'), select('action', [['', t('al.any')], ['block', t('action.block')],
			['audit', t('action.audit')], ['limit', t('action.limit')]], '')),
		h('div', { class: 'filter-actions' },
			button(t('filter.search'), null, { type: 'submit', kind: 'primary', action: 'search' }),
			button(t('al.export'), exportCsv, { action: 'export' })));

		function params() {
			const v = values(form);
			return {
				from: inputToUtc(v.from), to: inputToUtc(v.to), department: v.department, host: v.host,
				owner: v.owner, app: v.app, domain: v.domain, action: v.action,
			};
		}

		function search() {
			filters = params();
			pages = [];
			load(null);
		}

		async function load(beforeId) {
			try {
				const q = Object.assign({ limit: PAGE }, filters);
				if (beforeId)
					q.before_id = beforeId;
				const r = await get('access-log', q);
				ctx.clearError();
				cur = { before: beforeId, next: r.next_before_id };
				replace(result, table([
					{ label: t('col.time'), value: x => time(x.ts), class: 'nowrap' },
					{ label: t('col.client'), value: x => two(x.host_name || x.client_ip, x.host_name ? x.client_ip : '', 'mono') },
					{ label: t('col.owner_dept'), value: x => two(x.owner, x.department) },
					{ label: t('col.app'), value: x => app(x.app) },
					// the name (cut short: the tooltip has it all) and the server under it
					{ label: t('col.domain_server'), value: x => [
						h('div', { class: 'al-domain', title: x.domain || null }, x.domain || '—'),
						h('div', { class: 'cell-sub mono' }, endpoint(x.server_ip, x.server_port))], class: 'al-dest' },
					// up and down in one column, one line each
					{ label: t('col.up_down'), value: x => [h('div', { title: t('col.up') }, '↑ ' + bytes(x.bytes_up)),
						h('div', { title: t('col.down') }, '↓ ' + bytes(x.bytes_down))], num: true },
					// the rule's file:line under the action: one column fewer at 1280 px
					{ label: t('col.action_rule'), value: x => two(tag(t('action.' + x.action), KIND[x.action]), x.rule, 'mono nowrap al-rule'), class: 'nowrap' },
				], r.rows, { title: t('al.empty'), hint: t('al.empty_hint') }));
				replace(pager,
					h('span', { class: 'pager-info' }, t('al.page', { n: pages.length + 1, rows: (r.rows || []).length })),
					button(t('pager.first'), () => { pages = []; load(null); }, { disabled: !pages.length, action: 'first' }),
					button(t('pager.prev'), () => load(pages.pop() || null), { disabled: !pages.length, action: 'prev' }),
					button(t('pager.next'), () => { pages.push(cur.before); load(cur.next); },
						{ disabled: !r.next_before_id, action: 'next' }));
			} catch (e) {
				ctx.error(e);
			}
		}

		async function exportCsv() {
			try {
				const q = Object.assign({ format: 'csv', limit: 10000 }, params());
				const r = await raw('access-log', q, { accept: 'text/csv' });
				const blob = await r.blob();
				const url = URL.createObjectURL(blob);
				const a = h('a', { href: url, download: `access-log-${toInput(new Date()).replace(/[T:]/g, '')}.csv`, class: 'hidden' });
				document.body.appendChild(a);
				a.click();
				a.remove();
				setTimeout(() => URL.revokeObjectURL(url), 10000);
				const next = r.headers.get('X-Zhulan-Next-Before-Id');
				ctx.notice('info', next ? t('al.exported_more') : t('al.exported'));
			} catch (e) {
				ctx.error(e);
			}
		}

		replace(body, panel(null, form, { class: 'panel-filters' }),
			panel(null, [h('p', { class: 'muted small' }, t('al.personal')), result, pager], { id: 'accesslog', class: 'al-panel' }));
		search();
	},
};
