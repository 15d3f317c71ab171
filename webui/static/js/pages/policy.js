// policy.js - 策略: the policy file in an editor with line numbers; 检查
// (each error at its line and column, a click jumps there), 差异 against
// the version in force, 应用 with an optional confirmation time; the
// history (who, when, why) with rollback; the kernel's counters per rule.
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { get, post } from '../api.js';
import { panel, table, button, tabs, select, input, tag, modal, emptyState } from '../ui.js';
import { bytes, num, time } from '../format.js';
import { chain, label } from '../names.js';
import { editor } from '../editor.js';

const DIAG = /^(.*?):(\d+):(\d+): (error|warning): (.*)$/s;

export function parseDiag(s) {
	const m = DIAG.exec(s);
	return m ? { file: m[1], line: +m[2], col: +m[3], sev: m[4], text: m[5] } : { text: s, sev: 'error' };
}

function base(path) {
	return (path || '').split('/').pop();
}

// the daemon's own comments on a version, in the console's language (the
// text it stored in the tooltip); an administrator's as typed
function versionComment(c) {
	const m = /^rollback to version (\d+)$/.exec(c || '');
	const s = m ? t('policy.comment_rollback', { v: m[1] }) : label('policy.comment.', c);
	return s === c ? c : h('span', { title: c }, s);
}

export default {
	render(body, ctx) {
		let view = 'edit';
		let inForce = null;      // GET /policy
		let bundle = { name: '', text: '', files: {} };
		const head = h('div', { class: 'policy-head', id: 'policy-head' });
		const tabBox = h('div', {});
		const pane = h('div', {});
		const ed = editor({ id: 'policy-text', onchange: () => markDirty() });
		const out = h('div', { class: 'policy-out', id: 'policy-out' });
		const dirty = h('span', { class: 'dirty hidden', id: 'policy-dirty' }, t('policy.modified'));
		const comment = input('comment', { placeholder: t('policy.comment_ph'), class: 'input-wide', maxlength: 200 });
		const confirmSel = select('confirm', [['0', t('policy.confirm_none')], ['60', t('policy.confirm_s', { n: 60 })],
			['120', t('policy.confirm_m', { n: 2 })], ['300', t('policy.confirm_m', { n: 5 })],
			['600', t('policy.confirm_m', { n: 10 })]], '120');

		const editPane = h('div', { class: 'policy-edit' },
			h('div', { class: 'toolbar' },
				button(t('policy.check'), check, { action: 'check' }),
				button(t('policy.diff'), diff, { action: 'diff' }),
				h('span', { class: 'toolbar-sep' }),
				comment,
				h('label', { class: 'inline-field' }, h('span', {}, t('policy.confirm_label')), confirmSel),
				button(t('policy.apply'), apply, { kind: 'primary', action: 'apply' }),
				h('span', { class: 'toolbar-grow' }),
				dirty,
				button(t('policy.revert_edits'), () => { ed.set(bundle.text); markDirty(); replace(out); },
					{ class: 'btn-ghost', action: 'reload' })),
			ed.el, out);

		function markDirty() {
			dirty.classList.toggle('hidden', ed.value() === bundle.text);
		}
		function drawHead() {
			const p = inForce;
			replace(head, p ? [
				h('span', { class: 'head-item' }, t('policy.in_force'), ' ', h('strong', { id: 'policy-version' },
					p.version ? t('dash.policy_v', { v: p.version }) : t('policy.none'))),
				p.state ? tag(t('policy.state.' + p.state), p.state === 'pending' ? 'warn' : p.state === 'confirmed' ? 'ok' : null) : null,
				h('span', { class: 'head-item muted' }, t('policy.file'), ' ', h('span', { class: 'mono' }, p.name || '—')),
				p.applied ? h('span', { class: 'head-item muted' }, t('policy.applied_at', { at: time(p.applied) })) : null,
				p.last_error ? h('span', { class: 'head-item bad' }, p.last_error) : null,
			] : []);
		}
		function drawTabs() {
			replace(tabBox, tabs([['edit', t('policy.tab_edit')], ['history', t('policy.tab_history')],
				['counters', t('policy.tab_counters')]], view, (v) => { view = v; drawTabs(); show(); }));
		}
		function show() {
			if (view === 'edit') {
				replace(pane, panel(null, editPane, { id: 'editor' }));
				ed.refresh();
			} else if (view === 'history') {
				history();
			} else {
				counters();
			}
		}

		function current() {
			return { name: bundle.name || '/etc/zhulan/policy.conf', text: ed.value(), files: bundle.files || {} };
		}

		function showDiags(list, title) {
			const diags = list.map(parseDiag);
			const mine = base(bundle.name);
			ed.mark(diags.filter(d => d.line && (!d.file || base(d.file) === mine)).map(d => d.line));
			replace(out, panel(title, h('ul', { class: 'diags', id: 'policy-diags' }, diags.map(d => {
				const where = d.line ? t('policy.at', { line: d.line, col: d.col }) : '';
				const here = d.line && (!d.file || base(d.file) === mine);
				return h('li', { class: ['diag', 'diag-' + d.sev] },
					h('button', {
						type: 'button', class: 'diag-where', disabled: !here, 'data-line': d.line || '',
						onclick: () => here && ed.jump(d.line, d.col),
					}, d.file && !here ? `${base(d.file)} ${where}` : where || '—'),
					h('span', { class: 'diag-sev' }, t('policy.sev.' + d.sev)),
					h('span', { class: 'diag-text' }, d.text));
			})), { class: 'panel-flat' }));
		}

		async function check() {
			ctx.clearError();
			try {
				const r = await post('policy/diff', { policy: current() });
				ed.mark([]);
				const n = (r.rules || []).length + (r.chains || []).length + (r.sets || []).length + (r.sections || []).length;
				replace(out, h('div', { id: 'policy-check-ok' }, ctxBanner('ok', n ? t('policy.check_ok_changes', { n }) : t('policy.check_ok'))));
			} catch (e) {
				if (e.status === 422 && e.body && e.body.diagnostics)
					showDiags(e.body.diagnostics, t('policy.errors', { n: e.body.diagnostics.length }));
				else
					ctx.error(e);
			}
		}

		async function diff() {
			ctx.clearError();
			try {
				const r = await post('policy/diff', { policy: current() });
				ed.mark([]);
				const rows = [];
				for (const c of r.chains || [])
					rows.push(h('div', { class: 'diff-line diff-chg' }, `~ ${c.chain}: ${t('policy.default')} ${c.from} → ${c.to}`));
				for (const x of r.rules || [])
					rows.push(h('div', { class: ['diff-line', x.op === '+' ? 'diff-add' : 'diff-del'] },
						h('span', { class: 'diff-op' }, x.op), h('span', { class: 'diff-chain' }, x.chain),
						h('span', { class: 'diff-rule' }, x.rule),
						x.line ? h('button', {
							type: 'button', class: 'diff-src',
							onclick: () => { const m = /:(\d+)$/.exec(x.line); if (m && x.op === '+') ed.jump(+m[1], 1); },
						}, x.line) : null));
				for (const x of r.sections || [])
					rows.push(h('div', { class: ['diff-line', x.op === '+' ? 'diff-add' : 'diff-del'] },
						h('span', { class: 'diff-op' }, x.op), h('span', { class: 'diff-chain' }, x.section),
						h('span', { class: 'diff-rule' }, x.item),
						x.line ? h('span', { class: 'diff-src' }, x.line) : null));
				for (const s of r.sets || [])
					rows.push(h('div', { class: 'diff-line diff-chg' },
						`~ set ${s.set}: ${t('policy.set_change', { added: num(s.added), removed: num(s.removed) })}`,
						(s.add || []).length ? h('div', { class: 'diff-elems diff-add' }, '+ ' + s.add.join(', ')) : null,
						(s.remove || []).length ? h('div', { class: 'diff-elems diff-del' }, '− ' + s.remove.join(', ')) : null));
				replace(out, panel(t('policy.diff_title', { v: r.against ?? '—' }), rows.length ?
					h('div', { class: 'diff', id: 'policy-diff' }, rows) :
					emptyState({ title: t('policy.no_diff') }), { class: 'panel-flat' }));
			} catch (e) {
				if (e.status === 422 && e.body && e.body.diagnostics)
					showDiags(e.body.diagnostics, t('policy.errors', { n: e.body.diagnostics.length }));
				else
					ctx.error(e);
			}
		}

		async function apply() {
			ctx.clearError();
			const secs = +confirmSel.value;
			const req = { policy: current() };
			if (comment.value.trim())
				req.comment = comment.value.trim();
			if (secs)
				req.confirm = secs;
			const ok = await modal(t('policy.apply_title'), h('p', {}, secs ?
				t('policy.apply_confirm_text', { n: secs }) : t('policy.apply_text')), { ok: t('policy.apply') });
			if (!ok)
				return;
			try {
				const r = await post('policy/apply', req);
				ed.mark([]);
				replace(out, ctxBanner('ok', t('policy.applied', { v: r.version, rules: num(r.rules), ms: typeof r.apply_ms === 'number' ? r.apply_ms.toFixed(1) : '—' })));
				comment.value = '';
				await load();
				ctx.refreshStatus();
			} catch (e) {
				if (e.status === 422 && e.body && e.body.diagnostics)
					showDiags(e.body.diagnostics, t('policy.errors', { n: e.body.diagnostics.length }));
				else
					ctx.error(e);
			}
		}

		function ctxBanner(kind, text) {
			return h('div', { class: ['banner', 'banner-' + kind], role: 'status' }, h('span', { class: 'banner-text' }, text));
		}

		async function history() {
			replace(pane, panel(null, h('div', { class: 'loading' }, t('common.loading'))));
			try {
				const r = await get('policy/history', { limit: 200 });
				replace(pane, panel(null, table([
					{ label: t('col.version'), value: v => 'v' + v.version, num: true },
					{ label: t('col.time'), value: v => time(v.ts), class: 'nowrap' },
					{ label: t('col.who'), value: v => v.who },
					{ label: t('col.comment'), value: v => versionComment(v.comment), class: 'ellipsis' },
					{ label: t('col.state'), value: v => tag(t('policy.state.' + v.state), v.state === 'pending' ? 'warn' : v.state === 'confirmed' ? 'ok' : 'muted') },
					{ label: t('col.size'), value: v => bytes(v.bytes), num: true },
					{ label: '', class: 'actions', value: v => [
						button(t('policy.open'), () => open(v.version), { class: 'btn-small', action: 'open-' + v.version }),
						inForce && inForce.version === v.version ? h('span', { class: 'muted small in-force' }, t('policy.current')) :
							button(t('policy.rollback'), () => rollback(v.version), { class: 'btn-small', action: 'rollback-' + v.version }),
					] },
				], r.versions, { title: t('policy.no_history'), hint: t('policy.no_history_hint') }), { id: 'history' }));
			} catch (e) {
				replace(pane);
				ctx.error(e);
			}
		}

		async function open(v) {
			try {
				const r = await get('policy/versions/' + v);
				ed.set(r.bundle.text || '');
				bundle.files = r.bundle.files || bundle.files;
				view = 'edit';
				drawTabs();
				show();
				markDirty();
				ctx.notice('info', t('policy.opened', { v }));
			} catch (e) {
				ctx.error(e);
			}
		}

		async function rollback(v) {
			const ok = await modal(t('policy.rollback_title'), h('p', {}, t('policy.rollback_text', { v })),
				{ ok: t('policy.rollback'), danger: true });
			if (!ok)
				return;
			try {
				const r = await post('policy/rollback', { version: v });
				ctx.notice('ok', t('policy.rolled_back', { v, nv: r.version }));
				await load();
				ctx.refreshStatus();
				history();
			} catch (e) {
				ctx.error(e);
			}
		}

		async function counters() {
			try {
				const p = await get('policy');
				inForce = p;
				drawHead();
				replace(pane, panel(null, table([
					{ label: t('col.chain'), value: r => chain(r.chain) },
					{ label: t('col.line'), value: r => r.line && /:\d+$/.test(r.line) ? h('button', {
						type: 'button', class: 'link-btn mono',
						onclick: () => { const m = /:(\d+)$/.exec(r.line); view = 'edit'; drawTabs(); show(); if (m) ed.jump(+m[1], 1); },
					}, r.line) : h('span', { class: 'muted' }, r.line === 'behaviour' ? t('policy.bh_rule') : t('policy.fixed')) },
					{ label: t('col.rule'), value: r => r.source || '', class: 'mono ellipsis' },
					{ label: t('col.packets'), value: r => num(r.packets), num: true },
					{ label: t('col.bytes'), value: r => bytes(r.bytes), num: true },
				], p.rules, { title: t('policy.no_rules') }), { id: 'counters' }));
			} catch (e) {
				ctx.error(e);
			}
		}

		// keep: leave the user's edits alone (a confirmation from the banner)
		async function load(keep) {
			const p = await get('policy');
			const edited = ed.value() !== bundle.text;
			inForce = p;
			bundle = { name: p.name || '', text: p.text || '', files: {} };
			if (p.version) {
				try {
					const v = await get('policy/versions/' + p.version);
					if (v && v.bundle)
						bundle.files = v.bundle.files || {};
				} catch (e) { /* the set files stay as the daemon reads them */ }
			}
			if (!(keep && edited))
				ed.set(bundle.text);
			markDirty();
			drawHead();
		}

		replace(body, panel(null, [head, tabBox], { class: 'panel-filters' }), pane);
		drawTabs();
		show();
		load().catch(e => ctx.error(e));
		const onPolicy = () => load(true).then(() => view !== 'edit' && show()).catch(() => {});
		window.addEventListener('zl:policy', onPolicy);
		ctx.onLeave(() => window.removeEventListener('zl:policy', onPolicy));
	},
};
