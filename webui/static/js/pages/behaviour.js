// behaviour.js - 上网行为: the behaviour rules in force with their hits,
// the blocks held now (client, application, time left), and the engine's
// figures (decisions, resets, block latency); GET /behaviour (admin,
// security; audited: the blocks name clients).
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { get } from '../api.js';
import { panel, table, stat, tag, emptyState, two } from '../ui.js';
import { num, duration, endpoint, time, ms } from '../format.js';

// The behaviour { } block's rules from the policy text, with their lines.
export function behaviourRules(text, name) {
	const out = [], lines = (text || '').split('\n');
	const file = (name || 'policy.conf').split('/').pop();
	let inside = false, depth = 0;
	lines.forEach((raw, i) => {
		const l = raw.replace(/#.*$/, '').trim();
		if (!inside) {
			if (/^behaviour\b.*\{/.test(l)) {
				inside = true;
				depth = 1;
			}
			return;
		}
		depth += (l.match(/\{/g) || []).length - (l.match(/\}/g) || []).length;
		if (depth <= 0) {
			inside = false;
			return;
		}
		const m = /^(block|allow|audit|limit)\b/.exec(l);
		if (m)
			out.push({ line: `${file}:${i + 1}`, action: m[1], source: l });
	});
	return out;
}

const ACTION_KIND = { block: 'bad', allow: 'ok', audit: 'muted', limit: 'warn' };

export default {
	render(body, ctx) {
		const stats = h('div', { class: 'stats', id: 'bh-stats' });
		const rulesBox = h('div', { id: 'bh-rules' });
		const blocksBox = h('div', { id: 'bh-blocks' });
		replace(body, stats,
			panel(t('bh.rules'), rulesBox, { id: 'rules' }),
			panel(t('bh.blocks'), blocksBox, { id: 'blocks' }));

		// who the clients are: the address book, read once (an audited read)
		let book = null;
		async function who() {
			if (book === null) {
				book = new Map();
				try {
					for (const x of (await get('hosts')).hosts || [])
						book.set(x.address, x);
				} catch (e) { /* shown by address only */ }
			}
			return book;
		}

		async function refresh() {
			let st = null, pol = null, bh = null;
			try {
				st = await get('status');
			} catch (e) { ctx.error(e); }
			try {
				pol = await get('policy');
			} catch (e) { ctx.error(e); }
			try {
				bh = await get('behaviour');   // rules with hits, blocks held (when the daemon has it)
			} catch (e) {
				bh = null;
			}
			const b = st && st.behaviour;
			replace(stats, b ? [
				stat(t('bh.rules_n'), num(b.rules), null, { id: 'rules' }),
				stat(t('bh.blocks_active'), num(b.blocks_active), null, { id: 'active' }),
				stat(t('bh.decisions'), num(b.decisions && b.decisions.block),
					t('bh.decisions_sub', { allow: num(b.decisions && b.decisions.allow), audit: num(b.decisions && b.decisions.audit), limit: num(b.decisions && b.decisions.limit) }),
					{ id: 'decisions' }),
				stat(t('bh.resets'), num(b.resets_sent), b.kernel_errors ? t('bh.kernel_errors', { n: num(b.kernel_errors) }) : null,
					{ id: 'resets', kind: b.kernel_errors ? 'bad' : null }),
				stat(t('bh.latency'), b.block_latency_us && b.block_latency_us.n ?
					(b.block_latency_us.p99 / 1000).toFixed(1) + ' ms' : '—',
				b.block_latency_us && b.block_latency_us.n ? t('bh.latency_sub', { p50: (b.block_latency_us.p50 / 1000).toFixed(1), n: num(b.block_latency_us.n) }) : null,
				{ id: 'latency' }),
			] : emptyState({ title: t('bh.no_engine') }));

			const hits = (bh && bh.hits) || {};
			const rules = bh && bh.rules ? bh.rules : (pol ? behaviourRules(pol.text, pol.name) : []);
			replace(rulesBox, table([
				{ label: t('col.line'), value: r => r.line, class: 'mono nowrap' },
				{ label: t('col.action'), value: r => tag(t('action.' + r.action), ACTION_KIND[r.action]) },
				bh && bh.rules ? { label: t('bh.object'), value: r => r.object, class: 'mono' } :
					{ label: t('col.rule'), value: r => r.source, class: 'mono' },
				bh && bh.rules ? { label: t('bh.subject'), value: r => r.subject, class: 'mono' } : null,
				bh && bh.rules ? { label: t('bh.schedule'), value: r => [r.schedule || t('bh.always'), r.rate ? ' · ' + r.rate : ''] } : null,
				{ label: t('col.hits'), value: r => (r.line in hits ? num(hits[r.line]) : r.hits !== undefined ? num(r.hits) : '—'), num: true },
			].filter(Boolean), rules, { title: t('bh.no_rules'), hint: t('bh.no_rules_hint') }));

			if (bh && bh.blocks) {
				const at = Date.now();
				const names = bh.blocks.length ? await who() : new Map();
				const left = (x) => x.time_left_s !== undefined ? x.time_left_s - (Date.now() - at) / 1000 :
					(ms(x.expires) - Date.now()) / 1000;
				replace(blocksBox, table([
					{ label: t('col.client'), value: (x) => {
						const b = names.get(x.client);
						return b ? two(b.name || x.client, [x.client, b.owner, b.department].filter(Boolean).join(' · ')) : x.client;
					} },
					{ label: t('col.server'), value: x => endpoint(x.server, x.port), class: 'mono' },
					{ label: t('col.app'), value: x => x.app },
					{ label: t('col.domain'), value: x => x.domain, class: 'ellipsis' },
					{ label: t('col.rule_line'), value: x => x.rule, class: 'mono nowrap' },
					{ label: t('bh.until'), value: x => time(x.expires), class: 'nowrap' },
					{ label: t('col.left'), value: x => h('span', { class: 'left', 'data-left': left(x) }, duration(left(x))), num: true },
				], bh.blocks, { title: t('bh.no_blocks'), hint: t('bh.no_blocks_hint') }));
			} else {
				replace(blocksBox, emptyState({
					title: b ? t('bh.blocks_count', { n: num(b.blocks_active) }) : t('bh.no_engine'),
					hint: t('bh.blocks_unlisted'),
				}));
			}
		}
		refresh();
		ctx.every(15000, refresh);   // the blocks are personal data: each read is audited
	},
};
