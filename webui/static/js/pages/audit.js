// audit.js - 审计日志: who did what and when (the auditor's page).
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { get } from '../api.js';
import { panel, table, field, input, button, values, select, tag, two } from '../ui.js';
import { label } from '../names.js';
import { time, inputToUtc } from '../format.js';

function detail(d) {
	if (d === null || d === undefined)
		return '';
	return typeof d === 'string' ? d : JSON.stringify(d);
}

// the action in the console's language, its code (what zhulanctl prints
// and the search matches) under it when the two differ
function action(code) {
	const name = label('audit.act.', code);
	const main = /refused|failed|locked/.test(code || '') ? tag(name, 'bad') : name;
	return name === code ? main : two(main, code, 'mono');
}

// "zlsecurity via daemon(uid 1) from 192.0.2.5": the account on the first
// line, the way it came under it
function who(s) {
	const m = /^(\S+) (via .*)$/.exec(s || '');
	return m ? two(m[1], m[2]) : s;
}

export default {
	render(body, ctx) {
		const result = h('div', { id: 'audit-result' });
		let filters = { from: '-7d', limit: 200 };
		const form = h('form', {
			class: 'filters', id: 'audit-filters',
			onsubmit: (e) => {
				e.preventDefault();
				const v = values(form);
				filters = { from: inputToUtc(v.from) || '-7d', to: inputToUtc(v.to), limit: v.limit };
				load();
			},
		},
		field(t('filter.from'), input('from', { type: 'datetime-local' })),
		field(t('filter.to'), input('to', { type: 'datetime-local' })),
		field(t('filter.limit'), select('limit', [['200', '200'], ['1000', '1000'], ['5000', '5000']], '200')),
		h('div', { class: 'filter-actions' }, button(t('filter.search'), null, { type: 'submit', kind: 'primary', action: 'search' })));

		let rows = [];
		const q = input('q', { type: 'search', placeholder: t('audit.filter_ph'), class: 'input-wide' });
		const count = h('span', { class: 'muted', id: 'audit-count' });
		q.addEventListener('input', () => draw());
		function draw() {
			const w = q.value.trim().toLowerCase();
			const shown = w ? rows.filter(x => [x.who, x.action, label('audit.act.', x.action), detail(x.detail)]
				.some(v => v && String(v).toLowerCase().includes(w))) : rows;
			count.textContent = t('hosts.count', { n: shown.length, all: rows.length });
			replace(result, table([
				{ label: t('col.time'), value: x => time(x.ts), class: 'nowrap' },
				{ label: t('col.who'), value: x => who(x.who), class: 'audit-who' },
				{ label: t('col.action'), value: x => action(x.action), class: 'audit-action' },
				{ label: t('col.detail'), value: x => detail(x.detail), class: 'mono wrap' },
			], shown, { title: t('audit.empty'), hint: t('audit.empty_hint') }));
		}

		async function load() {
			try {
				const r = await get('audit', filters);
				ctx.clearError();
				rows = r.audit || [];
				draw();
			} catch (e) {
				ctx.error(e);
			}
		}
		replace(body, panel(null, form, { class: 'panel-filters' }),
			panel(null, [h('div', { class: 'toolbar' }, q, count), result], { id: 'audit' }));
		load();
	},
};
