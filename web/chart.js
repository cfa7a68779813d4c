// Hand-built inline SVG bar charts: no library, nothing fetched. Each chart is a figure
// with a caption, an accessible name and a <title> per bar (its label and value).

export function esc(value) {
  return String(value ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

const fmt = (value) => (Number.isInteger(value) ? String(value) : value.toFixed(1));

export function barChart({ id, title, items, horizontal = false, max = null }) {
  if (!items.length) return `<figure id="${esc(id)}"><figcaption>${esc(title)}</figcaption><p>暂无数据。</p></figure>`;
  const top = max ?? Math.max(...items.map((item) => item.value), 1);
  let body;
  let width;
  let height;
  if (horizontal) {
    const row = 24;
    const labelWidth = 220;
    width = 640;
    height = items.length * row + 8;
    const span = width - labelWidth - 60;
    body = items.map((item, i) => {
      const w = Math.max(1, (item.value / top) * span);
      const y = i * row + 4;
      return `<g><title>${esc(item.label)}：${fmt(item.value)}</title>
        <text x="${labelWidth - 6}" y="${y + 15}" text-anchor="end">${esc(item.label.length > 16 ? `${item.label.slice(0, 15)}…` : item.label)}</text>
        <rect class="bar-fill" x="${labelWidth}" y="${y + 3}" width="${w.toFixed(1)}" height="${row - 8}"></rect>
        <text x="${(labelWidth + w + 4).toFixed(1)}" y="${y + 15}">${fmt(item.value)}</text></g>`;
    }).join("");
  } else {
    const column = 48;
    width = Math.max(320, items.length * column + 20);
    height = 220;
    const span = height - 50;
    body = items.map((item, i) => {
      const h = Math.max(1, (item.value / top) * span);
      const x = 10 + i * column;
      return `<g><title>${esc(item.label)}：${fmt(item.value)}</title>
        <rect class="bar-fill" x="${x + 8}" y="${(height - 24 - h).toFixed(1)}" width="${column - 16}" height="${h.toFixed(1)}"></rect>
        <text x="${x + column / 2}" y="${(height - 28 - h).toFixed(1)}" text-anchor="middle">${fmt(item.value)}</text>
        <text x="${x + column / 2}" y="${height - 8}" text-anchor="middle">${esc(item.label)}</text></g>`;
    }).join("");
  }
  return `<figure id="${esc(id)}"><figcaption><h3 id="${esc(id)}-t">${esc(title)}</h3></figcaption>
    <svg class="chart" role="img" aria-labelledby="${esc(id)}-t" viewBox="0 0 ${width} ${height}" width="100%" style="max-width:${width}px">${body}</svg></figure>`;
}
