// format.js - numbers, sizes, times and durations as the console shows them:
// sizes in B/KB/MB/GB (1024), counts with thousands separators, times in
// the browser's local time as YYYY-MM-DD HH:MM:SS.
import { t, lang } from './i18n.js';

export function num(n) {
	if (n === null || n === undefined || Number.isNaN(Number(n)))
		return '—';
	return Number(n).toLocaleString(lang() === 'en' ? 'en-US' : 'zh-CN');
}

export function bytes(n) {
	if (n === null || n === undefined || Number.isNaN(Number(n)))
		return '—';
	n = Number(n);
	const units = ['B', 'KB', 'MB', 'GB', 'TB'];
	let i = 0;
	while (Math.abs(n) >= 1024 && i < units.length - 1) {
		n /= 1024;
		i++;
	}
	return (i === 0 ? num(n) : n.toFixed(n >= 100 ? 0 : 1)) + ' ' + units[i];   // 1,006 B
}

// bits per second from bytes over seconds
export function rate(bytesCount, seconds) {
	if (!seconds)
		return '—';
	let v = bytesCount * 8 / seconds;
	const units = ['bit/s', 'kbit/s', 'Mbit/s', 'Gbit/s'];
	let i = 0;
	while (v >= 1000 && i < units.length - 1) {
		v /= 1000;
		i++;
	}
	return v.toFixed(v >= 100 || i === 0 ? 0 : 1) + ' ' + units[i];
}

const pad = (n) => String(n).padStart(2, '0');

// an RFC 3339 time (or a Date, or unix seconds; 0 is never) in local time
export function time(v) {
	if (v === null || v === undefined || v === '' || v === 0)
		return '—';
	const d = v instanceof Date ? v : new Date(typeof v === 'number' ? v * 1000 : v);
	if (Number.isNaN(d.getTime()))
		return String(v);
	return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
		`${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

// milliseconds since the epoch of an RFC 3339 time or unix seconds (NaN: none)
export function ms(v) {
	if (typeof v === 'number')
		return v ? v * 1000 : NaN;
	return v ? Date.parse(v) : NaN;
}

export function clock(v) {
	const d = new Date(v);
	return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

// seconds -> "2 d 3 h", "4 min 5 s", "mm:ss" for countdowns
export function duration(s) {
	if (s === null || s === undefined)
		return '—';
	s = Math.max(0, Math.floor(s));
	const d = Math.floor(s / 86400), hh = Math.floor(s % 86400 / 3600);
	const mm = Math.floor(s % 3600 / 60), ss = s % 60;
	if (d)
		return t('unit.dh', { d, h: hh });
	if (hh)
		return t('unit.hm', { h: hh, m: mm });
	if (mm)
		return t('unit.ms', { m: mm, s: ss });
	return t('unit.s', { s: ss });
}

export function countdown(s) {
	s = Math.max(0, Math.floor(s));
	return `${pad(Math.floor(s / 60))}:${pad(s % 60)}`;
}

// a datetime-local input's value -> RFC 3339 UTC, or '' when empty
export function inputToUtc(v) {
	if (!v)
		return '';
	const d = new Date(v);
	return Number.isNaN(d.getTime()) ? '' : d.toISOString().replace(/\.\d+Z$/, 'Z');
}

// a Date -> the value a datetime-local input takes (local time)
export function toInput(d) {
	return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T` +
		`${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function endpoint(ip, port) {
	if (!ip)
		return '—';
	const a = ip.includes(':') ? `[${ip}]` : ip;
	return port ? `${a}:${port}` : ip;
}
