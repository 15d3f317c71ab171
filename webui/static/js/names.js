// names.js - display names for the daemon's raw identifiers: nDPI's
// category names ("Video", "RemoteAccess"), its "Unknown" application, the
// audit log's action codes ("access-log query") and the policy's chains. The
// catalogue of the language in use names each one (cat.*, app.*,
// audit.act.*, chain.*); the raw value
// stays in the element's tooltip, and a value no catalogue knows is shown as
// it came.
import { h } from './dom.js';
import { lang } from './i18n.js';
import zh from '../i18n/zh-CN.js';
import en from '../i18n/en.js';

const CATALOGUES = { 'zh-CN': zh, en };

// the display name of RAW under PREFIX in the current language, or RAW
export function label(prefix, raw) {
	if (raw === null || raw === undefined || raw === '')
		return '';
	const cat = CATALOGUES[lang()] || zh;
	const s = cat[prefix + raw];
	return s === undefined ? String(raw) : s;
}

// an element showing the display name, the raw value as its tooltip
function named(prefix, raw) {
	if (raw === null || raw === undefined || raw === '')
		return null;
	const s = label(prefix, raw);
	return s === String(raw) ? String(raw) : h('span', { title: String(raw), 'data-raw': String(raw) }, s);
}

// nDPI category ("Video" -> 视频)
export function category(raw) {
	return named('cat.', raw);
}

// an application: nDPI's "Unknown" and its master.app names keep the
// product names (HTTP.Bilibili); only "Unknown" is a word to translate
export function app(raw) {
	return named('app.', raw);
}

// an nftables chain of the policy (forward -> 转发)
export function chain(raw) {
	return named('chain.', raw);
}

// the categories the flows filter offers: [raw, display], by display name
export function categories() {
	const cat = CATALOGUES[lang()] || zh;
	return Object.keys(zh).filter(k => k.startsWith('cat.')).map(k => k.slice(4))
		.map(raw => [raw, cat['cat.' + raw] ?? raw])
		.sort((a, b) => a[1].localeCompare(b[1], lang()));
}
