// dom.js - building elements without HTML strings. Every piece of text,
// above all what comes from the network (SNI, Host, DNS names, user
// agents, address-book names), becomes a text node: nothing here parses
// markup, and no module of the console uses innerHTML.

// h('div', {class: 'x', onclick: fn}, 'text', child, [more]) -> element
export function h(tag, props, ...children) {
	const el = document.createElement(tag);
	for (const [k, v] of Object.entries(props || {})) {
		if (v === null || v === undefined || v === false)
			continue;
		if (k === 'class')
			el.className = Array.isArray(v) ? v.filter(Boolean).join(' ') : v;
		else if (k.startsWith('on') && typeof v === 'function')
			el.addEventListener(k.slice(2), v);
		else if (k === 'dataset')
			Object.assign(el.dataset, v);
		else if (k === 'value' || k === 'disabled')
			el[k] = v;
		else
			el.setAttribute(k, v === true ? '' : String(v));
	}
	add(el, children);
	return el;
}

// Append children: nodes as they are, arrays flattened, anything else as text.
export function add(el, children) {
	for (const c of children) {
		if (c === null || c === undefined || c === false)
			continue;
		if (Array.isArray(c))
			add(el, c);
		else if (c instanceof Node)
			el.appendChild(c);
		else
			el.appendChild(document.createTextNode(String(c)));
	}
	return el;
}

export function clear(el) {
	while (el.firstChild)
		el.removeChild(el.firstChild);
	return el;
}

export function replace(el, ...children) {
	clear(el);
	return add(el, children);
}
