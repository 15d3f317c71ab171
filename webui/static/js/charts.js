// charts.js - line charts through Chart.js (Debian's libjs-chart.js, loaded
// by index.html from /vendor/chart.js as window.Chart). Without it the
// console still works and says so where the chart would be.
import { h, replace } from './dom.js';
import { t } from './i18n.js';
import { emptyState } from './ui.js';

const COLOURS = ['#2f6f9f', '#5aa287', '#c98a2b', '#8a5ab3'];

// opts.datasets[i]: Chart.js settings over dataset i's defaults (a dashed
// target line: {borderDash: [6, 4], fill: false}); opts.y over the y axis'.
export function lineChart(box, names, fmt, opts = {}) {
	const Chart = window.Chart;
	if (!Chart) {
		replace(box, emptyState({ title: t('chart.missing') }));
		return { set() {}, destroy() {} };
	}
	const canvas = h('canvas', { class: 'chart', 'aria-label': names.join(', '), role: 'img' });
	const empty = h('div', { class: 'chart-empty hidden' }, t('dash.no_traffic'));
	replace(box, h('div', { class: 'chart-frame' }, canvas, empty));
	const chart = new Chart(canvas.getContext('2d'), {
		type: 'line',
		data: {
			labels: [],
			datasets: names.map((n, i) => Object.assign({
				label: n, data: [], borderColor: COLOURS[i], backgroundColor: COLOURS[i] + '22',
				fill: true, borderWidth: 1.5, pointRadius: 0, tension: 0.25,
			}, (opts.datasets || [])[i])),
		},
		options: {
			responsive: true, maintainAspectRatio: false, animation: false,
			interaction: { mode: 'index', intersect: false },
			plugins: {
				legend: { position: 'top', align: 'end', labels: { boxWidth: 12, boxHeight: 12 } },
				tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${fmt(c.parsed.y)}` } },
			},
			scales: {
				x: { grid: { display: false }, ticks: { maxTicksLimit: 12, autoSkip: true, maxRotation: 0 } },
				y: Object.assign({ beginAtZero: true, ticks: { callback: (v) => fmt(v), maxTicksLimit: 6 } }, opts.y),
			},
		},
	});
	return {
		set(labels, data) {
			chart.data.labels = labels;
			data.forEach((d, i) => { chart.data.datasets[i].data = d; });
			empty.classList.toggle('hidden', labels.length > 0);
			chart.update('none');
		},
		destroy() {
			chart.destroy();
		},
	};
}
