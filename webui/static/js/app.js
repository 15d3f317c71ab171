// app.js - the console's frame: session, the left navigation (only the
// pages the role may use), the top bar (user, role, language, logout), the
// banners every page shows (policy awaiting confirmation, password about to
// expire) and the hash routes (#/dashboard, #/flows, ...).
import { h, clear, replace } from './dom.js';
import { t, lang, setLang } from './i18n.js';
import { get, post, setCsrf, whenUnauthorized } from './api.js';
import { banner, button } from './ui.js';
import { countdown } from './format.js';
import { loginView, passwordView, totpView } from './pages/account.js';
import dashboard from './pages/dashboard.js';
import flows from './pages/flows.js';
import policy from './pages/policy.js';
import behaviour from './pages/behaviour.js';
import hosts from './pages/hosts.js';
import accesslog from './pages/accesslog.js';
import audit from './pages/audit.js';
import users from './pages/users.js';
import system from './pages/system.js';
import account from './pages/account.js';
import ipv6 from './pages/ipv6.js';
import incidents from './pages/incidents.js';
import reports from './pages/reports.js';

// Which role sees which page (the daemon refuses the rest with 403 anyway).
export const PAGES = [
	{ id: 'dashboard', roles: ['admin', 'security', 'report'], page: dashboard },
	{ id: 'flows', roles: ['security'], page: flows },
	{ id: 'accesslog', roles: ['security'], page: accesslog },
	{ id: 'policy', roles: ['admin'], page: policy },
	{ id: 'behaviour', roles: ['admin'], page: behaviour },
	{ id: 'hosts', roles: ['admin'], page: hosts },
	{ id: 'users', roles: ['admin'], page: users },
	{ id: 'system', roles: ['admin'], page: system },
	{ id: 'ipv6', roles: ['admin', 'report'], page: ipv6 },
	{ id: 'audit', roles: ['auditor'], page: audit },
	{ id: 'incidents', roles: ['security', 'auditor'], page: incidents },
	{ id: 'reports', roles: ['report', 'admin'], page: reports },
];
const HIDDEN = [{ id: 'account', roles: ['admin', 'security', 'auditor', 'report'], page: account }];

const root = document.getElementById('app');
const state = { session: null, status: null, timers: [], leaves: [], globalTimers: [], notice: null };

function allowed(role) {
	return PAGES.filter(p => p.roles.includes(role));
}

// Background refreshes stop when the user has been away for longer than
// the session's idle time (15 min), so that polling never keeps an
// unattended console logged in.
const IDLE_MS = 14 * 60 * 1000;
let lastActivity = Date.now();
for (const ev of ['pointerdown', 'keydown', 'wheel', 'pointermove'])
	window.addEventListener(ev, () => { lastActivity = Date.now(); }, { passive: true, capture: true });
function whileActive(fn) {
	return () => {
		if (Date.now() - lastActivity < IDLE_MS)
			fn();
	};
}

function stopTimers(list) {
	for (const id of list.splice(0))
		clearInterval(id);
}

function leavePage() {
	stopTimers(state.timers);
	for (const fn of state.leaves.splice(0)) {
		try {
			fn();
		} catch (e) { /* the page is gone either way */ }
	}
}

// What a page gets: the session, timers that end when it is left, the
// page's own banner line.
function context(alerts) {
	const ctx = {
		session: state.session,
		status: () => state.status,
		every(ms, fn) {
			state.timers.push(setInterval(whileActive(fn), ms));
		},
		onLeave(fn) {
			state.leaves.push(fn);
		},
		async refreshSession() {
			adopt(await get('session'));
			drawGlobalBanners();
		},
		error(e) {
			replace(alerts, banner('error', e && e.message ? e.message : String(e),
				button('×', () => clear(alerts), { class: 'banner-close', title: t('common.close') })));
		},
		notice(kind, text) {
			replace(alerts, banner(kind, text,
				button('×', () => clear(alerts), { class: 'banner-close', title: t('common.close') })));
		},
		clearError() {
			clear(alerts);
		},
		refreshStatus: pollStatus,
	};
	return ctx;
}

// ---------- session ----------

async function boot() {
	whenUnauthorized(() => {
		if (state.session) {
			state.session = null;
			state.status = null;
			state.notice = t('login.expired');
			render();
		}
	});
	window.addEventListener('hashchange', () => state.session && render());
	try {
		const s = await get('session', null, { quiet401: true });
		adopt(s);
	} catch (e) {
		state.session = null;
		if (e.status !== 401)
			state.notice = e.message;
	}
	root.classList.remove('booting');
	render();
}

function adopt(s) {
	if (!state.session || !s || state.session.user !== s.user)
		statusRefused = false;   // another user: ask again
	state.session = s;
	if (s && s.csrf)
		setCsrf(s.csrf);
}

export async function refreshSession() {
	adopt(await get('session'));
	render();
}

async function logout() {
	try {
		await post('logout');
	} catch (e) { /* the session ends here either way */ }
	setCsrf('');
	state.session = null;
	state.status = null;
	stopTimers(state.globalTimers);
	location.hash = '';
	render();
}

// ---------- rendering ----------

function render() {
	leavePage();
	const s = state.session;
	if (!s) {
		stopTimers(state.globalTimers);
		replace(root, loginView({
			notice: state.notice,
			onLogin(r) {
				state.notice = null;
				adopt(r);
				render();
			},
			langSwitch: langSwitch(),
		}));
		root.className = 'view-login';
		return;
	}
	if (s.must_change || s.totp_enroll) {
		// A limited session: only the account's own steps.
		stopTimers(state.globalTimers);
		root.className = 'view-login';
		const done = () => refreshSession().catch(e => alert0(e));
		replace(root, s.must_change ?
			passwordView({ session: s, forced: true, onDone: done, onLogout: logout, langSwitch: langSwitch() }) :
			totpView({ session: s, onDone: done, onLogout: logout, langSwitch: langSwitch() }));
		return;
	}
	renderShell();
}

function alert0(e) {
	state.notice = e.message;
	render();
}

function currentPage() {
	const id = (location.hash.replace(/^#\/?/, '').split(/[/?]/)[0]) || '';
	const mine = allowed(state.session.role);
	const p = mine.find(x => x.id === id) || HIDDEN.find(x => x.id === id);
	return p || mine[0] || HIDDEN[0];
}

function langSwitch() {
	const b = (l, label) => h('button', {
		type: 'button', class: ['lang-btn', lang() === l && 'active'], 'data-lang': l,
		'aria-pressed': lang() === l ? 'true' : 'false',
		onclick: () => {
			if (lang() !== l) {
				setLang(l);
				render();
			}
		},
	}, label);
	return h('div', { class: 'lang-switch', role: 'group', 'aria-label': t('top.language') },
		b('zh-CN', '中文'), b('en', 'English'));
}

function renderShell() {
	const s = state.session;
	const cur = currentPage();
	const alerts = h('div', { class: 'page-alerts', id: 'page-alerts' });
	const body = h('div', { class: 'page-body', id: 'page-body', 'data-page': cur.id });
	const nav = h('nav', { class: 'nav', 'aria-label': t('nav.label') },
		h('div', { class: 'brand' },
			h('img', { src: 'img/logo.svg', alt: '', class: 'brand-logo', width: 32, height: 32 }),
			h('div', { class: 'brand-text' },
				h('div', { class: 'brand-name' }, '竹栏 Zhulan'),
				h('div', { class: 'brand-sub' }, t('brand.sub')))),
		h('ul', { class: 'nav-list' }, allowed(s.role).map(p => h('li', {},
			h('a', {
				href: '#/' + p.id, class: ['nav-item', p.id === cur.id && 'active'], 'data-nav': p.id,
				'aria-current': p.id === cur.id ? 'page' : null,
			}, t('nav.' + p.id))))),
		h('div', { class: 'nav-foot', id: 'nav-foot' }, state.status && state.status.version ?
			t('nav.version', { v: state.status.version }) : ''));
	const top = h('header', { class: 'topbar' },
		h('h1', { class: 'page-title' }, t('nav.' + cur.id)),
		h('div', { class: 'top-right' },
			h('span', { class: 'top-user' },
				h('span', { class: 'top-user-name', id: 'top-user' }, s.user),
				h('span', { class: 'role role-' + s.role, id: 'top-role' }, t('role.' + s.role))),
			langSwitch(),
			h('a', { href: '#/account', class: ['top-link', cur.id === 'account' && 'active'], 'data-nav': 'account' }, t('top.account')),
			button(t('top.logout'), logout, { class: 'btn-ghost', action: 'logout' })));
	const global = h('div', { class: 'global-banners', id: 'global-banners' });
	const main = h('main', { class: 'main' }, top, global, h('div', { class: 'content' }, alerts, body));
	replace(root, nav, main);
	root.className = 'view-app';
	document.title = t('nav.' + cur.id) + ' · 竹栏 Zhulan';
	drawGlobalBanners();
	if (!state.globalTimers.length) {
		pollStatus();
		state.globalTimers.push(setInterval(whileActive(pollStatus), 5000));
		state.globalTimers.push(setInterval(drawGlobalBanners, 1000));
	}
	const ctx = context(alerts);
	Promise.resolve().then(() => cur.page.render(body, ctx)).catch(e => ctx.error(e));
}

// ---------- the banners on every page ----------

let statusRefused = false;
async function pollStatus() {
	if (!state.session || statusRefused)
		return;
	try {
		state.status = await get('status');
		const foot = document.getElementById('nav-foot');
		if (foot && state.status.version)
			foot.textContent = t('nav.version', { v: state.status.version });
	} catch (e) {
		if (e.status === 403)
			statusRefused = true;
	}
	drawGlobalBanners();
	window.dispatchEvent(new CustomEvent('zl:status', { detail: state.status }));
}

function drawGlobalBanners() {
	const el = document.getElementById('global-banners');
	if (!el || !state.session)
		return;
	const s = state.session, out = [];
	const pol = state.status && state.status.policy;
	if (pol && pol.state === 'pending') {
		const left = pol.confirm_by ? (Date.parse(pol.confirm_by) - Date.now()) / 1000 : null;
		const text = left === null ? t('pending.text_nolimit', { v: pol.version }) :
			t('pending.text', { v: pol.version, left: countdown(left) });
		const tools = s.role === 'admin' ? h('span', { class: 'banner-actions' },
			button(t('pending.confirm'), () => policyAction('confirm'), { kind: 'primary', action: 'pending-confirm' }),
			button(t('pending.revert'), () => policyAction('rollback'), { action: 'pending-revert' })) : null;
		out.push(h('div', { id: 'pending-banner' }, banner('warn', text, tools)));
	}
	if (typeof s.password_expires_days === 'number' && s.password_expires_days <= 7) {
		out.push(h('div', { id: 'expiry-banner' }, banner('warn', s.password_expires_days <= 0 ?
			t('expiry.today') : t('expiry.text', { n: s.password_expires_days }),
		h('a', { href: '#/account', class: 'banner-link' }, t('expiry.change')))));
	}
	// redraw only when the text changed, so that buttons keep focus
	const sig = out.map(n => n.textContent).join('|');
	if (el.dataset.sig !== sig) {
		el.dataset.sig = sig;
		replace(el, out);
	}
}

async function policyAction(what) {
	try {
		await post('policy/' + what, {});
		await pollStatus();
		window.dispatchEvent(new CustomEvent('zl:policy'));
	} catch (e) {
		const alerts = document.getElementById('page-alerts');
		if (alerts)
			replace(alerts, banner('error', e.message));
	}
}

boot();
