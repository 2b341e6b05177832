// Charts drawn from the bundle (chart.js from npm), never from a CDN: FAB's chart views and the
// KPI trends. Markup: <div class="cs-chart" data-type="bar|hbar|line|area|pie" data-format="google"?>
//   <script type="application/json">{"labels": [...], "datasets": [{"label", "data"}], "unit"?}</script>
// </div>  (data-format="google": FAB's Google DataTable JSON {cols, rows}).
import { Chart, registerables } from 'chart.js';

Chart.register(...registerables);

const COLORS = ['#337ab7', '#e57373', '#2e7d32', '#ef6c00', '#8e24aa', '#00838f', '#6d4c41', '#546e7a'];
const TYPES = { ColumnChart: 'bar', BarChart: 'hbar', LineChart: 'line', AreaChart: 'area', PieChart: 'pie' };

// FAB's {cols: [{label}], rows: [{c: [{v}]}]} -> {labels, datasets}: first column the category.
function fromGoogle(table) {
  const cols = table.cols || [];
  const rows = table.rows || [];
  return {
    labels: rows.map((r) => String((r.c[0] || {}).v ?? '')),
    datasets: cols.slice(1).map((col, i) => ({ label: col.label || col.id, data: rows.map((r) => (r.c[i + 1] || {}).v ?? null) })),
  };
}

function draw(box) {
  const source = box.querySelector('script[type="application/json"]');
  if (!source || box.dataset.drawn) return;
  let data = JSON.parse(source.textContent);
  if (box.dataset.format === 'google') data = { ...fromGoogle(data), integer: true }; // FAB's charts count things
  const kind = TYPES[box.dataset.type] || box.dataset.type || 'bar';
  const pie = kind === 'pie';
  const unit = data.unit || '';
  const datasets = data.datasets.map((d, i) => {
    const color = pie ? data.labels.map((_, j) => COLORS[j % COLORS.length]) : COLORS[i % COLORS.length];
    return { ...d, backgroundColor: pie ? color : (kind === 'bar' || kind === 'hbar' ? color : color + '33'),
      borderColor: pie ? '#fff' : color, fill: kind === 'area', tension: 0.2, spanGaps: true };
  });
  const canvas = box.querySelector('canvas') || box.appendChild(document.createElement('canvas'));
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', box.dataset.title || '');
  box.dataset.drawn = '1';
  new Chart(canvas, {
    type: kind === 'hbar' ? 'bar' : (kind === 'area' ? 'line' : kind),
    data: { labels: data.labels, datasets },
    options: {
      responsive: true, maintainAspectRatio: false, animation: false,
      indexAxis: kind === 'hbar' ? 'y' : 'x',
      plugins: {
        title: { display: Boolean(box.dataset.title), text: box.dataset.title },
        tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${c.formattedValue}${unit}` } },
      },
      scales: pie ? {} : { [kind === 'hbar' ? 'x' : 'y']: { beginAtZero: true, suggestedMax: data.max,
        ticks: { precision: data.integer ? 0 : undefined, callback: (v) => `${v}${unit}` } } },
    },
  });
}

function drawAll() { document.querySelectorAll('.cs-chart').forEach(draw); }

window.CsCharts = { drawAll };
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', drawAll);
else drawAll();
// charts in tabs and accordions are drawn when shown (a hidden canvas has no size)
document.addEventListener('shown.bs.tab', drawAll);
