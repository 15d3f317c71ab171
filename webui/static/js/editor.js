// editor.js - a plain textarea with a line-number gutter kept in step
// (scrolling, typing, pasting); lines can be marked (errors) and jumped to.
import { h } from './dom.js';

export function editor({ id, onchange }) {
	const gutter = h('div', { class: 'ed-gutter', 'aria-hidden': 'true' });
	const ta = h('textarea', {
		class: 'ed-text', id, spellcheck: 'false', wrap: 'off', autocapitalize: 'off',
		autocomplete: 'off', 'aria-label': 'policy',
	});
	const el = h('div', { class: 'ed' }, gutter, ta);
	let marked = new Set(), lines = 0;

	function draw() {
		const n = ta.value.split('\n').length;
		if (n !== lines || gutter.dataset.marks !== [...marked].join(',')) {
			lines = n;
			gutter.dataset.marks = [...marked].join(',');
			const frag = document.createDocumentFragment();
			for (let i = 1; i <= n; i++)
				frag.appendChild(h('div', { class: ['ed-ln', marked.has(i) && 'ed-err'], 'data-ln': i }, String(i)));
			gutter.replaceChildren(frag);
		}
		gutter.scrollTop = ta.scrollTop;
	}
	ta.addEventListener('input', () => { draw(); onchange && onchange(); });
	ta.addEventListener('scroll', () => { gutter.scrollTop = ta.scrollTop; });
	ta.addEventListener('keydown', (e) => {
		if (e.key === 'Tab' && !e.ctrlKey && !e.altKey && !e.metaKey) {
			e.preventDefault();
			ta.setRangeText('\t', ta.selectionStart, ta.selectionEnd, 'end');
			onchange && onchange();
		}
	});

	return {
		el,
		value: () => ta.value,
		set(text) {
			ta.value = text;
			ta.scrollTop = 0;
			marked = new Set();
			draw();
		},
		refresh: draw,
		mark(list) {
			marked = new Set(list);
			draw();
		},
		// select line n (1-based) from column col and scroll it into view
		jump(n, col) {
			const all = ta.value.split('\n');
			n = Math.min(Math.max(1, n), all.length);
			let start = 0;
			for (let i = 0; i < n - 1; i++)
				start += all[i].length + 1;
			const c = Math.min(Math.max(0, (col || 1) - 1), all[n - 1].length);
			ta.focus();
			ta.setSelectionRange(start + c, start + all[n - 1].length);
			const lh = parseFloat(getComputedStyle(ta).lineHeight) || 20;
			ta.scrollTop = Math.max(0, (n - 1) * lh - ta.clientHeight / 3);
			gutter.scrollTop = ta.scrollTop;
			for (const x of gutter.querySelectorAll('.ed-cur'))
				x.classList.remove('ed-cur');
			const ln = gutter.children[n - 1];
			if (ln)
				ln.classList.add('ed-cur');
			el.dataset.line = String(n);
		},
	};
}
