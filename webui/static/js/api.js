// api.js - the console's one way to the daemon: /api/v1/<path> through
// zhulan-web, JSON both ways, the session's CSRF token on every request
// that changes something. An answer of 401 means the session has ended.
import { t } from './i18n.js';

let csrf = '';
let onUnauthorized = null;

export function setCsrf(token) {
	csrf = token || '';
}

export function whenUnauthorized(fn) {
	onUnauthorized = fn;
}

export class ApiError extends Error {
	constructor(status, message, body) {
		super(message);
		this.status = status;
		this.body = body;
	}
}

export function query(params) {
	const q = new URLSearchParams();
	for (const [k, v] of Object.entries(params || {}))
		if (v !== undefined && v !== null && v !== '')
			q.set(k, String(v));
	const s = q.toString();
	return s ? '?' + s : '';
}

async function request(method, path, body, opts = {}) {
	const headers = { Accept: opts.accept || 'application/json' };
	if (method !== 'GET' && method !== 'HEAD')
		headers['X-CSRF-Token'] = csrf;
	if (body !== undefined)
		headers['Content-Type'] = 'application/json';
	let r;
	try {
		r = await fetch('/api/v1/' + path, {
			method, headers, credentials: 'same-origin', cache: 'no-store',
			body: body !== undefined ? JSON.stringify(body) : undefined,
		});
	} catch (e) {
		throw new ApiError(0, t('err.network'), null);
	}
	if (r.status === 401 && !opts.quiet401 && onUnauthorized)
		onUnauthorized();
	if (opts.raw && r.ok)
		return r;
	const text = await r.text();
	let data = null;
	try {
		data = text ? JSON.parse(text) : null;
	} catch (e) {
		data = null;
	}
	if (!r.ok) {
		let msg = data && typeof data.error === 'string' ? data.error : '';
		if (!msg)
			msg = r.status === 403 ? t('err.forbidden') : t('err.http', { status: r.status });
		throw new ApiError(r.status, msg, data);
	}
	return data;
}

export const get = (path, params, opts) => request('GET', path + query(params), undefined, opts);
export const post = (path, body, opts) => request('POST', path, body === undefined ? {} : body, opts);
export const raw = (path, params, opts) => request('GET', path + query(params), undefined,
	Object.assign({ raw: true }, opts));
