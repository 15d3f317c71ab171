// users.js - 用户: the accounts; add one (its one-time password shown
// once), disable/enable, reset two-factor, reset the password.
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { get, post } from '../api.js';
import { panel, table, field, input, button, select, tag, modal, values } from '../ui.js';
import { time, ms } from '../format.js';

const ROLES = ['admin', 'security', 'auditor', 'report'];

function oneTime(name, password) {
	return h('div', { class: 'onetime' },
		h('p', {}, t('users.onetime_text', { user: name })),
		h('div', { class: 'onetime-pw', id: 'onetime-password' }, password),
		h('p', { class: 'muted small' }, t('users.onetime_hint')));
}

export default {
	render(body, ctx) {
		const list = h('div', { id: 'users-list' });
		const form = h('form', {
			class: 'filters', id: 'user-add',
			onsubmit: async (e) => {
				e.preventDefault();
				const v = values(form);
				if (!v.name) {
					ctx.notice('warn', t('users.need_name'));
					return;
				}
				try {
					const r = await post('users', { name: v.name, role: v.role });
					form.reset();
					await modal(t('users.added_title'), oneTime(r.name, r.password), { noCancel: true, ok: t('users.noted') });
					load();
				} catch (err) {
					ctx.error(err);
				}
			},
		},
		field(t('users.name'), input('name', { placeholder: 'zhangsan', maxlength: 32, pattern: '[a-z0-9._-]+' })),
		field(t('users.role'), select('role', ROLES.map(r => [r, t('role.' + r)]), 'security')),
		h('div', { class: 'filter-actions' }, button(t('users.add'), null, { type: 'submit', kind: 'primary', action: 'add-user' })));

		async function act(u, what) {
			const danger = what === 'disable' || what === 'reset-2fa' || what === 'passwd';
			const ok = await modal(t('users.' + what + '_title', { user: u.name }),
				h('p', {}, t('users.' + what + '_text', { user: u.name })), { ok: t('users.' + what), danger });
			if (!ok)
				return;
			try {
				const r = await post('users/' + encodeURIComponent(u.name) + '/' + what, {});
				if (what === 'passwd' && r && r.password)
					await modal(t('users.passwd_done'), oneTime(u.name, r.password), { noCancel: true, ok: t('users.noted') });
				else
					ctx.notice('ok', t('users.done_' + what, { user: u.name }));
				load();
			} catch (e) {
				ctx.error(e);
			}
		}

		async function load() {
			try {
				const r = await get('users');
				replace(list, table([
					{ label: t('users.name'), value: u => h('strong', {}, u.name) },
					{ label: t('users.role'), value: u => h('span', { class: 'role role-' + u.role }, t('role.' + u.role)) },
					{ label: t('users.state'), value: u => ms(u.locked_until) > Date.now() ?
						tag(t('users.locked', { until: time(u.locked_until) }), 'bad') :
						u.enabled ? tag(t('users.enabled'), 'ok') : tag(t('users.disabled'), 'muted') },
					{ label: t('users.totp'), value: u => u.totp ? t('users.totp_on') : h('span', { class: 'muted' }, t('users.totp_off')) },
					{ label: t('users.pw_changed'), value: u => u.must_change ? tag(t('users.must_change'), 'warn') : time(u.password_changed), class: 'nowrap' },
					{ label: t('users.last_login'), value: u => time(u.last_login), class: 'nowrap' },
					{ label: '', class: 'actions', value: u => u.name === ctx.session.user ? h('span', { class: 'muted small' }, t('users.you')) : [
						u.enabled ? button(t('users.disable'), () => act(u, 'disable'), { class: 'btn-small', action: 'disable-' + u.name }) :
							button(t('users.enable'), () => act(u, 'enable'), { class: 'btn-small', action: 'enable-' + u.name }),
						button(t('users.reset-2fa'), () => act(u, 'reset-2fa'), { class: 'btn-small', action: 'reset-2fa-' + u.name }),
						button(t('users.passwd'), () => act(u, 'passwd'), { class: 'btn-small', action: 'passwd-' + u.name }),
					] },
				], r.users, { title: t('users.empty') }));
			} catch (e) {
				ctx.error(e);
			}
		}
		replace(body, panel(t('users.add_title'), form, { class: 'panel-filters', id: 'add' }),
			panel(t('users.list'), list, { id: 'users' }));
		load();
	},
};
