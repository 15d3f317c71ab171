// account.js - the user's own account: login, TOTP enrolment (the QR code
// drawn on a canvas from the daemon's module rows), password change.
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { post, setCsrf } from '../api.js';
import { banner, button, field, input, panel } from '../ui.js';
import { time } from '../format.js';

function card(langSwitch, ...children) {
	return h('div', { class: 'login-page' },
		h('div', { class: 'login-lang' }, langSwitch),
		h('div', { class: 'login-card' },
			h('div', { class: 'login-brand' },
				h('img', { src: 'img/logo.svg', alt: '', width: 44, height: 44 }),
				h('div', {},
					h('div', { class: 'login-name' }, '竹栏 Zhulan'),
					h('div', { class: 'login-sub' }, t('brand.product')))),
			children),
		h('div', { class: 'login-foot' }, t('login.foot')));
}

// The daemon's password rule refusals (422, in English) as the rule the
// form lists, in the console's language; any other answer as it came.
const RULE_OF = [[/at least \d+ characters/, 'pw.rule_len'], [/at least 3 kinds/, 'pw.rule_classes'],
	[/user name/, 'pw.rule_name'], [/differ from the old/, 'pw.rule_old']];
function refusal(err) {
	const hit = err.status === 422 && RULE_OF.find(([re]) => re.test(err.message || ''));
	return hit ? t('pw.refused', { rule: t(hit[1]) }) : err.message;
}

export function loginView({ notice, onLogin, langSwitch }) {
	const alerts = h('div', { class: 'form-alerts', id: 'login-alerts' },
		notice ? banner('warn', notice) : null);
	const user = input('user', { autocomplete: 'username', required: true, autofocus: true });
	const pass = input('password', { type: 'password', autocomplete: 'current-password', required: true });
	const code = input('totp', {
		inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: 6, pattern: '[0-9]{6}',
		placeholder: '000000', class: 'code-input',
	});
	const submit = button(t('login.submit'), null, { type: 'submit', kind: 'primary', class: 'btn-block', action: 'login' });
	const form = h('form', {
		class: 'form', id: 'login-form', novalidate: true,
		onsubmit: async (e) => {
			e.preventDefault();
			if (!user.value.trim() || !pass.value) {
				replace(alerts, banner('error', t('login.missing')));
				return;
			}
			submit.disabled = true;
			try {
				const r = await post('login', { user: user.value.trim(), password: pass.value, totp: code.value.trim() },
					{ quiet401: true });
				setCsrf(r.csrf);
				onLogin(r);
			} catch (err) {
				let msg = err.message;
				if (err.status === 423 && err.body && err.body.locked_until)
					msg = t('login.locked', { until: time(err.body.locked_until) });
				else if (err.status === 401)
					msg = t('login.wrong');
				else if (err.status === 429)
					msg = t('login.throttled');
				replace(alerts, banner('error', msg));
				pass.value = '';
				code.value = '';
				pass.focus();
			} finally {
				submit.disabled = false;
			}
		},
	},
	h('h1', { class: 'form-title' }, t('login.title')),
	alerts,
	field(t('login.user'), user),
	field(t('login.password'), pass),
	field(t('login.code'), code, t('login.code_hint')),
	submit);
	return card(langSwitch, form);
}

// ---------- password ----------

const RULES = [
	['pw.rule_len', (p) => p.length >= 10],
	['pw.rule_classes', (p) => [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter(r => r.test(p)).length >= 3],
	['pw.rule_name', (p, user) => !user || !p.toLowerCase().includes(user.toLowerCase())],
	['pw.rule_old', (p, user, old) => !p || p !== old],
];

function passwordForm(session, onDone) {
	const alerts = h('div', { class: 'form-alerts', id: 'password-alerts' });
	const old = input('old', { type: 'password', autocomplete: 'current-password' });
	const nw = input('new', { type: 'password', autocomplete: 'new-password' });
	const again = input('again', { type: 'password', autocomplete: 'new-password' });
	const items = RULES.map(([k]) => h('li', { class: 'rule', 'data-rule': k }, t(k)));
	const check = () => {
		RULES.forEach(([, fn], i) => {
			const okay = nw.value !== '' && fn(nw.value, session.user, old.value);
			items[i].classList.toggle('met', okay);
		});
	};
	nw.addEventListener('input', check);
	old.addEventListener('input', check);
	const submit = button(t('pw.submit'), null, { type: 'submit', kind: 'primary', action: 'change-password' });
	return h('form', {
		class: 'form', id: 'password-form', novalidate: true,
		onsubmit: async (e) => {
			e.preventDefault();
			if (nw.value !== again.value) {
				replace(alerts, banner('error', t('pw.mismatch')));
				return;
			}
			submit.disabled = true;
			try {
				await post('account/password', { old: old.value, new: nw.value });
				old.value = nw.value = again.value = '';
				check();
				replace(alerts, banner('ok', t('pw.done')));
				onDone && onDone();
			} catch (err) {
				replace(alerts, banner('error', refusal(err)));
			} finally {
				submit.disabled = false;
			}
		},
	},
	alerts,
	field(t('pw.old'), old),
	field(t('pw.new'), nw),
	field(t('pw.again'), again),
	h('div', { class: 'rules' }, h('div', { class: 'rules-title' }, t('pw.rules')), h('ul', {}, items)),
	submit);
}

export function passwordView({ session, onDone, onLogout, langSwitch }) {
	return card(langSwitch,
		h('h1', { class: 'form-title' }, t('pw.title_forced')),
		h('p', { class: 'form-lead' }, t('pw.lead_forced', { user: session.user })),
		passwordForm(session, onDone),
		h('div', { class: 'form-alt' }, button(t('top.logout'), onLogout, { class: 'btn-link', action: 'logout' })));
}

// ---------- TOTP enrolment ----------

export function drawQr(canvas, rows, scale = 5) {
	const n = rows.length, quiet = 4, size = (n + 2 * quiet) * scale;
	canvas.width = size;
	canvas.height = size;
	const g = canvas.getContext('2d');
	g.fillStyle = '#ffffff';
	g.fillRect(0, 0, size, size);
	g.fillStyle = '#000000';
	rows.forEach((row, y) => {
		for (let x = 0; x < row.length; x++)
			if (row[x] === '1')
				g.fillRect((x + quiet) * scale, (y + quiet) * scale, scale, scale);
	});
}

export function totpView({ session, onDone, onLogout, langSwitch }) {
	const alerts = h('div', { class: 'form-alerts', id: 'totp-alerts' });
	const canvas = h('canvas', { class: 'qr', id: 'totp-qr', width: 200, height: 200 });
	const secret = h('code', { class: 'secret', id: 'totp-secret' }, '…');
	const code = input('code', {
		inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: 6, placeholder: '000000', class: 'code-input',
	});
	const submit = button(t('totp.submit'), null, { type: 'submit', kind: 'primary', action: 'totp-finish' });
	post('account/totp/begin').then(r => {
		drawQr(canvas, r.qr || []);
		secret.textContent = (r.secret || '').replace(/(.{4})/g, '$1 ').trim();
		secret.dataset.secret = r.secret || '';
	}).catch(err => replace(alerts, banner('error', err.message)));
	const form = h('form', {
		class: 'form', id: 'totp-form', novalidate: true,
		onsubmit: async (e) => {
			e.preventDefault();
			submit.disabled = true;
			try {
				await post('account/totp/finish', { code: code.value.trim() });
				onDone();
			} catch (err) {
				replace(alerts, banner('error', err.status === 422 ? t('totp.wrong') : err.message));
				code.value = '';
			} finally {
				submit.disabled = false;
			}
		},
	}, field(t('totp.code'), code), submit);
	return card(langSwitch,
		h('h1', { class: 'form-title' }, t('totp.title')),
		h('p', { class: 'form-lead' }, t('totp.lead', { user: session.user })),
		alerts,
		h('ol', { class: 'steps' },
			h('li', {}, t('totp.step1')),
			h('li', {}, t('totp.step2'), h('div', { class: 'qr-box' }, canvas),
				h('div', { class: 'secret-line' }, h('span', {}, t('totp.secret')), secret)),
			h('li', {}, t('totp.step3'))),
		form,
		h('div', { class: 'form-alt' }, button(t('top.logout'), onLogout, { class: 'btn-link', action: 'logout' })));
}

// ---------- the account page (inside the console) ----------

export default {
	render(body, ctx) {
		const s = ctx.session;
		const exp = typeof s.password_expires_days === 'number' ? t('account.expires', { n: s.password_expires_days }) : '';
		replace(body, h('div', { class: 'grid-2 grid-top' },
			panel(t('account.me'), h('dl', { class: 'kv' },
				h('dt', {}, t('account.user')), h('dd', { id: 'account-user' }, s.user),
				h('dt', {}, t('account.role')), h('dd', {}, t('role.' + s.role)),
				h('dt', {}, t('account.password')), h('dd', {}, exp || '—'))),
			panel(t('pw.title'), passwordForm(s, () => ctx.refreshSession().catch(() => {})))));
	},
};
