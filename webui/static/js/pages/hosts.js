// hosts.js - 地址簿: upload the address book as CSV (the rows refused are
// listed by line), and search it.
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { get, post } from '../api.js';
import { panel, table, button, input, banner } from '../ui.js';
import { num } from '../format.js';

export default {
	render(body, ctx) {
		let all = [];
		const result = h('div', { id: 'hosts-import-result' });
		const list = h('div', { id: 'hosts-list' });
		const count = h('span', { class: 'muted', id: 'hosts-count' });
		// the browser's own file button speaks the browser's language: a
		// label of ours opens it, the chosen file's name beside it
		const file = h('input', { type: 'file', accept: '.csv,text/csv', id: 'hosts-file', name: 'file', class: 'file-input-hidden' });
		const fileName = h('span', { class: 'muted file-name', id: 'hosts-file-name' }, t('hosts.no_file'));
		file.addEventListener('change', () => {
			const f = file.files && file.files[0];
			fileName.textContent = f ? f.name : t('hosts.no_file');
			fileName.classList.toggle('muted', !f);
		});
		const pick = h('label', { class: 'btn', for: 'hosts-file', 'data-action': 'pick-file' }, t('hosts.choose'));
		const search = input('q', { type: 'search', placeholder: t('hosts.search_ph'), class: 'input-wide' });
		const upload = button(t('hosts.upload'), doImport, { kind: 'primary', action: 'import' });

		async function doImport() {
			const f = file.files && file.files[0];
			if (!f) {
				replace(result, banner('warn', t('hosts.pick')));
				return;
			}
			upload.disabled = true;
			try {
				const csv = await f.text();
				const r = await post('hosts/import', { name: f.name, csv });
				const msgs = r.messages || [];
				replace(result,
					banner(r.refused ? 'warn' : 'ok', t('hosts.imported', { n: num(r.imported), bad: num(r.refused), w: num(r.warnings || 0) })),
					msgs.length ? h('ul', { class: 'diags', id: 'hosts-messages' }, msgs.map((m) => {
						const sev = /warning/.test(m) ? 'warning' : 'error';
						return h('li', { class: 'diag diag-' + sev }, h('span', { class: 'diag-sev' }, t('policy.sev.' + sev)),
							h('span', { class: 'diag-text' }, m));
					})) : null);
				await load();
			} catch (e) {
				replace(result, banner('error', e.message));
			} finally {
				upload.disabled = false;
			}
		}

		function draw() {
			const q = search.value.trim().toLowerCase();
			const rows = q ? all.filter(x => [x.address, x.mac, x.name, x.owner, x.department]
				.some(v => v && String(v).toLowerCase().includes(q))) : all;
			count.textContent = t('hosts.count', { n: num(rows.length), all: num(all.length) });
			replace(list, table([
				{ label: t('col.address'), value: x => x.address, class: 'mono' },
				{ label: t('col.mac'), value: x => x.mac, class: 'mono' },
				{ label: t('col.hostname_pc'), value: x => x.name },
				{ label: t('col.owner'), value: x => x.owner },
				{ label: t('col.department'), value: x => x.department },
				{ label: t('col.seen_at'), value: x => (x.seen_at || []).join(', '), class: 'mono' },
			], rows.slice(0, 1000), all.length ?
				{ title: t('hosts.no_match') } :
				{ title: t('hosts.empty'), hint: t('hosts.empty_hint') }));
		}

		async function load() {
			try {
				const r = await get('hosts');
				all = r.hosts || [];
				draw();
			} catch (e) {
				ctx.error(e);
			}
		}
		search.addEventListener('input', draw);
		replace(body,
			panel(t('hosts.import'), [
				h('p', { class: 'muted' }, t('hosts.format')),
				h('pre', { class: 'sample' }, 'address,name,owner,department\n192.0.2.10,fin-pc-01,张三,财政局\n52:54:00:12:34:56,edu-laptop-7,钱七,教育局'),
				h('div', { class: 'toolbar' }, file, pick, fileName, upload),
				result,
			], { id: 'import' }),
			panel(t('hosts.list'), [h('div', { class: 'toolbar' }, search, count), list], { id: 'list' }));
		load();
	},
};
