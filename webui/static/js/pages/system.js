// system.js - 系统: version, uptime, the capture interfaces (state,
// packets, drops), the database (size, disk, retention), the web console's
// certificate fingerprint.
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { get } from '../api.js';
import { panel, table, tag, stat, two } from '../ui.js';
import { bytes, num, time, duration } from '../format.js';

function kv(pairs) {
	return h('dl', { class: 'kv' }, pairs.filter(Boolean).map(([k, v, id]) =>
		[h('dt', {}, k), h('dd', { id }, v === null || v === undefined || v === '' ? '—' : v)]));
}

export default {
	render(body, ctx) {
		const top = h('div', { class: 'stats', id: 'sys-stats' });
		const ifs = h('div', { id: 'sys-ifaces' });
		const db = h('div', { id: 'sys-db' });
		const web = h('div', { id: 'sys-web' });
		replace(body, top, panel(t('sys.interfaces'), ifs, { id: 'interfaces' }),
			h('div', { class: 'grid-2' }, panel(t('sys.database'), db, { id: 'database' }), panel(t('sys.web'), web, { id: 'web' })));

		async function refresh() {
			let s;
			try {
				s = await get('status');
				ctx.clearError();
			} catch (e) {
				ctx.error(e);
				return;
			}
			const d = s.database || {};
			const disk = s.disk || d.disk || null;
			const retention = s.retention_days ?? d.retention_days;
			replace(top,
				stat(t('sys.version'), s.version || '—', t('sys.api', { n: s.api ?? '—' }), { id: 'version' }),
				stat(t('sys.uptime'), duration(s.uptime_s), null, { id: 'uptime' }),
				stat(t('sys.flows'), num(s.flows_tracked), null, { id: 'flows' }),
				stat(t('sys.records_dropped'), num(s.records_dropped || 0), null, { id: 'records', kind: s.records_dropped ? 'bad' : null }));
			replace(ifs, table([
				{ label: t('col.iface'), value: i => h('strong', {}, i.name) },
				{ label: t('col.state'), value: i => i.state === 'down' ?
					two(tag(t('sys.down'), 'bad'), [i.down_since ? t('sys.down_since', { at: time(i.down_since) }) : '', i.last_error || ''].filter(Boolean).join(' · ')) :
					tag(t('sys.capturing'), 'ok') },
				{ label: t('col.packets'), value: i => num(i.packets), num: true },
				{ label: t('col.bytes'), value: i => bytes(i.bytes), num: true },
				{ label: t('sys.kernel_dropped'), value: i => num(i.kernel_dropped), num: true, class: 'drops' },
				{ label: t('sys.if_dropped'), value: i => num(i.interface_dropped), num: true },
				{ label: t('sys.flows_live'), value: i => num(i.flows_live), num: true },
				{ label: t('sys.flows_created'), value: i => num(i.flows_created), num: true },
				{ label: t('sys.decode_errors'), value: i => num(Object.values(i.decode_errors || {}).reduce((a, b) => a + b, 0)), num: true },
			], s.interfaces, { title: t('sys.no_ifaces'), hint: t('sys.no_ifaces_hint') }));
			replace(db, kv([
				[t('sys.db_path'), h('span', { class: 'mono' }, d.path || '—')],
				[t('sys.db_size'), bytes(d.bytes), 'sys-db-size'],
				[t('sys.db_state'), d.writable === false ? tag(t('sys.db_bad'), 'bad') : tag(t('sys.db_ok'), 'ok')],
				d.last_error ? [t('sys.db_error'), d.last_error] : null,
				[t('sys.db_written'), num(d.written)],
				[t('sys.db_purged'), num(d.purged)],
				[t('sys.retention'), retention ? t('sys.days', { n: retention }) : null, 'sys-retention'],
				disk ? [t('sys.disk'), t('sys.disk_free', { free: bytes(disk.free ?? disk.available), total: bytes(disk.total ?? disk.size) })] : null,
			]));
			const w = s.web;
			replace(web, w ? kv([
				[t('sys.listen'), h('span', { class: 'mono' }, w.listen)],
				[t('sys.fingerprint'), h('code', { class: 'fingerprint', id: 'sys-fingerprint' }, w.fingerprint)],
				[t('sys.since'), time(w.since)],
			]) : h('p', { class: 'muted' }, t('sys.no_web')));
		}
		refresh();
		ctx.every(5000, refresh);
	},
};
