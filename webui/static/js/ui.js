// ui.js - the console's building blocks: panels, tables with numeric
// columns right-aligned, empty states, banners, a modal, form fields.
import { h, add, clear, replace } from './dom.js';
import { t } from './i18n.js';

export function panel(title, body, opts = {}) {
	return h('section', { class: ['panel', opts.class], 'data-panel': opts.id },
		title || opts.tools ? h('header', { class: 'panel-head' },
			h('h2', {}, title || ''), opts.tools ? h('div', { class: 'panel-tools' }, opts.tools) : null) : null,
		h('div', { class: 'panel-body' }, body));
}

// cols: [{label, value: row => text|node, num: bool, class}]
export function table(cols, rows, empty) {
	if (!rows || rows.length === 0)
		return emptyState(empty || {});
	return h('div', { class: 'tbl-wrap' },
		h('table', { class: 'tbl' },
			h('thead', {}, h('tr', {}, cols.map(c => h('th', { class: [c.num && 'num', c.class === 'actions' && 'actions'], scope: 'col' }, c.label)))),
			h('tbody', {}, rows.map(r => h('tr', {}, cols.map(c => {
				let v = c.value(r);
				if (v === null || v === undefined || v === '')
					v = '—';
				const td = h('td', { class: [c.num && 'num', c.class] }, v);
				if (/\bellipsis\b/.test(c.class || ''))   // cut short: the whole text on hover
					td.title = td.textContent;
				return td;
			}))))));
}

export function emptyState({ title, hint, action }) {
	return h('div', { class: 'empty' },
		h('div', { class: 'empty-title' }, title || t('common.empty')),
		hint ? h('div', { class: 'empty-hint' }, hint) : null,
		action || null);
}

export function loading() {
	return h('div', { class: 'loading' }, t('common.loading'));
}

// A banner at the top of the page's content: kind 'error' | 'warn' | 'info' | 'ok'
export function banner(kind, text, extra) {
	return h('div', { class: ['banner', 'banner-' + kind], role: kind === 'error' ? 'alert' : 'status' },
		h('span', { class: 'banner-text' }, text), extra || null);
}

export function button(label, onclick, opts = {}) {
	return h('button', {
		type: opts.type || 'button', class: ['btn', opts.kind && 'btn-' + opts.kind, opts.class],
		onclick, disabled: opts.disabled, 'data-action': opts.action, title: opts.title,
	}, label);
}

export function field(label, input, hint) {
	return h('label', { class: 'field' }, h('span', { class: 'field-label' }, label), input,
		hint ? h('span', { class: 'field-hint' }, hint) : null);
}

export function input(name, opts = {}) {
	return h('input', Object.assign({ name, id: 'f-' + name, type: 'text', autocomplete: 'off' }, opts));
}

export function select(name, options, value) {
	return h('select', { name, id: 'f-' + name },
		options.map(([v, label]) => h('option', { value: v, selected: v === value }, label)));
}

export function stat(label, value, sub, opts = {}) {
	return h('div', { class: ['stat', opts.kind && 'stat-' + opts.kind], 'data-stat': opts.id },
		h('div', { class: 'stat-label' }, label),
		h('div', { class: 'stat-value' }, value),
		sub ? h('div', { class: 'stat-sub' }, typeof sub === 'string' && sub.includes(' · ') ?
			// "下行 66.0 kbit/s · 上行 1.9 kbit/s" breaks between its parts only
			sub.split(' · ').map((p, i) => [i ? ' · ' : null, h('span', { class: 'stat-part' }, p)]) : sub) : null);
}

// a cell of two lines: the main text and a quieter one under it
export function two(main, sub, subClass) {
	return [h('div', {}, main || '—'), sub ? h('div', { class: ['cell-sub', subClass] }, sub) : null];
}

export function tag(text, kind) {
	return h('span', { class: ['tag', kind && 'tag-' + kind] }, text);
}

export function tabs(items, active, onpick) {
	return h('div', { class: 'tabs', role: 'tablist' }, items.map(([id, label]) =>
		h('button', {
			type: 'button', role: 'tab', class: ['tab', id === active && 'active'],
			'aria-selected': id === active ? 'true' : 'false', 'data-tab': id,
			onclick: () => onpick(id),
		}, label)));
}

// A modal dialog of our own (the browser's alert/confirm are never used).
// Resolves true when confirmed, false when cancelled.
export function modal(title, body, opts = {}) {
	return new Promise(resolve => {
		const close = (v) => {
			document.removeEventListener('keydown', onkey);
			back.remove();
			resolve(v);
		};
		const onkey = (e) => {
			if (e.key === 'Escape')
				close(false);
		};
		const ok = button(opts.ok || t('common.ok'), () => close(true),
			{ kind: opts.danger ? 'danger' : 'primary', action: 'modal-ok' });
		const back = h('div', { class: 'modal-back' },
			h('div', { class: 'modal', role: 'dialog', 'aria-modal': 'true' },
				h('h2', { class: 'modal-title' }, title),
				h('div', { class: 'modal-body' }, body),
				h('div', { class: 'modal-foot' },
					opts.noCancel ? null : button(t('common.cancel'), () => close(false), { action: 'modal-cancel' }),
					ok)));
		document.addEventListener('keydown', onkey);
		document.body.appendChild(back);
		ok.focus();
	});
}

// Form values by name
export function values(form) {
	const out = {};
	for (const el of form.querySelectorAll('input[name], select[name], textarea[name]'))
		out[el.name] = el.type === 'checkbox' ? el.checked : el.value.trim();
	return out;
}

export { h, add, clear, replace };
