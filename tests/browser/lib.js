// lib.js - the browser tests' harness: Debian's chromium through
// playwright-core (never a downloaded browser), TAP lines, TOTP codes from
// oathtool, and the console's login.
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

// TAP without numbers: tests/integration/console.sh numbers the lines.
let failures = 0;
export function ok(cond, desc) {
	console.log(`${cond ? 'ok' : 'not ok'} - ${desc.replace(/\n/g, ' ')}`);
	if (!cond)
		failures++;
	return !!cond;
}
export function diag(msg) {
	for (const l of String(msg).split('\n'))
		console.log('# ' + l);
}
export function failed() {
	return failures;
}

// A fresh profile each time, the flags the appliance's CI can run.
export async function launch() {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zl-chromium-'));
	const ctx = await chromium.launchPersistentContext(dir, {
		executablePath: CHROMIUM,
		headless: true,
		ignoreHTTPSErrors: true,   // the console's self-signed certificate
		viewport: { width: 1440, height: 900 },
		locale: 'zh-CN',
		timezoneId: process.env.TZ || 'Asia/Shanghai',
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
			'--disable-background-networking', '--disable-component-update', '--disable-sync'],
	});
	ctx.setDefaultTimeout(15000);
	return {
		ctx,
		async close() {
			await ctx.close();
			fs.rmSync(dir, { recursive: true, force: true });
		},
	};
}

// Every page the tests open fails on a dialog (alert/confirm/prompt: the
// console never uses them, so one means injected script ran) and keeps the
// page's script errors and CSP refusals.
export function watch(page, label) {
	const w = { dialogs: [], errors: [] };
	page.on('dialog', (d) => {
		w.dialogs.push(d.message());
		ok(false, `${label}: no dialog may open (got ${d.type()} "${d.message()}")`);
		d.dismiss().catch(() => {});
	});
	page.on('pageerror', (e) => w.errors.push('page error: ' + e.message));
	page.on('console', (m) => {
		if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text()))
			w.errors.push('console: ' + m.text());
	});
	return w;
}

// TOTP: a code whose 30 s step is later than the last one used (the daemon
// accepts each code once, within one step either side of now).
export async function totp(acct) {
	for (;;) {
		const now = Math.floor(Date.now() / 1000), step = Math.floor(now / 30);
		let use = Math.max(step, (acct.lastStep ?? -1) + 1);
		if (use <= step + 1 && !(use === step + 1 && now % 30 < 3)) {
			acct.lastStep = use;
			return execFileSync('oathtool', ['--totp', '-b', '-N', '@' + use * 30, acct.secret]).toString().trim();
		}
		await new Promise(r => setTimeout(r, 1000));
	}
}

// Log in from the login form; resolves to what the console shows next:
// 'app', 'password', 'totp' or 'error' (with the banner's text).
export async function login(page, url, acct, password) {
	await page.goto(url);
	await page.waitForSelector('#login-form');
	await page.fill('#f-user', acct.user);
	await page.fill('#f-password', password ?? acct.password);
	await page.fill('#f-totp', acct.secret ? await totp(acct) : '');
	await page.click('[data-action=login]');
	return next(page);
}

export async function next(page) {
	const el = await page.waitForSelector('.view-app #page-body, #password-form, #totp-form, #login-alerts .banner-error');
	const id = await el.evaluate(e => e.id || e.className);
	if (id === 'page-body')
		return { view: 'app' };
	if (id === 'password-form')
		return { view: 'password' };
	if (id === 'totp-form')
		return { view: 'totp' };
	return { view: 'error', text: await el.textContent() };
}

export async function logout(page) {
	await page.click('[data-action=logout]');
	await page.waitForSelector('#login-form');
}

// GET /api/v1/PATH from inside the page (its session cookie): the status.
export function apiStatus(page, p) {
	return page.evaluate(async (x) => (await fetch('/api/v1/' + x, { credentials: 'same-origin' })).status, p);
}

export async function apiJson(page, p) {
	return page.evaluate(async (x) => (await fetch('/api/v1/' + x, { credentials: 'same-origin' })).json(), p);
}
