// i18n.js - every visible string comes from a catalogue: i18n/zh-CN.js
// (the default) or i18n/en.js. The choice is kept in localStorage.
import zh from '../i18n/zh-CN.js';
import en from '../i18n/en.js';

const catalogues = { 'zh-CN': zh, en };
const KEY = 'zhulan.lang';
let current = 'zh-CN';
try {
	const saved = localStorage.getItem(KEY);
	if (saved && catalogues[saved])
		current = saved;
} catch (e) { /* storage refused: the default stays */ }
document.documentElement.lang = current;

export function lang() {
	return current;
}

export function setLang(l) {
	if (!catalogues[l])
		return;
	current = l;
	document.documentElement.lang = l;
	try {
		localStorage.setItem(KEY, l);
	} catch (e) { /* not kept: fine for this page */ }
}

// t('flows.title'), t('x.count', {n: 3}): {name} replaced by params' values
export function t(key, params) {
	let s = catalogues[current][key];
	if (s === undefined)
		s = zh[key];
	if (s === undefined) {
		console.warn('i18n: no string for', key);
		return key;
	}
	if (params)
		s = s.replace(/\{(\w+)\}/g, (m, k) => (k in params ? String(params[k]) : m));
	return s;
}

export function has(key) {
	return key in catalogues[current] || key in zh;
}
