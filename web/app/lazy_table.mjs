// A sortable, filterable table that stays fast with tens of thousands of rows: filtering and
// sorting work on the data array, and only the first `pageSize` matching rows become DOM rows,
// with a "Show more" button for the next page. (A checkpoint with 50,000 tensors filters in a few
// milliseconds; building 50,000 <tr> would take seconds and make every keystroke lag.)
//
// Column: {key, label, value(row) -> sort key (number|string), cell(row) -> string|Node,
//          numeric?: right-aligned, dataValue?(row) -> string for data-value (tests, copy)}
// Headers are real buttons; aria-sort tells assistive technology the current order.

export class LazyTable {
  /**
   * @param {{table: HTMLTableElement, more: HTMLButtonElement, count?: HTMLElement, columns: object[],
   *          pageSize?: number, rowAttributes?(row, tr): void, noun?: string}} options
   */
  constructor({ table, more, count, columns, pageSize = 200, rowAttributes, noun = 'rows' }) {
    Object.assign(this, { table, more, count, columns, pageSize, rowAttributes, noun });
    this.rows = [];
    this.filterText = '';
    this.sort = null;        // {key, direction: 1 | -1}; null = the data's own order
    this.shown = pageSize;
    this._matching = [];
    this._buildHead();
    more.addEventListener('click', () => {
      this.shown += this.pageSize;
      this._renderBody();
    });
  }

  _buildHead() {
    const tr = document.createElement('tr');
    this._headers = new Map();
    for (const col of this.columns) {
      const th = document.createElement('th');
      th.scope = 'col';
      if (col.numeric) th.className = 'num';
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'sort';
      button.textContent = col.label;
      button.dataset.sortKey = col.key;
      button.addEventListener('click', () => this.sortBy(col.key));
      th.append(button);
      tr.append(th);
      this._headers.set(col.key, th);
    }
    this.table.tHead?.remove();
    this.table.createTHead().append(tr);
    if (!this.table.tBodies.length) this.table.createTBody();
  }

  setRows(rows) {
    this.rows = rows;
    this.shown = this.pageSize;
    this._update();
  }

  setFilter(text) {
    this.filterText = text.trim().toLowerCase();
    this.shown = this.pageSize;
    this._update();
  }

  /** Back to the data's own order (file order, or the report's worst-first order). */
  clearSort() {
    this.sort = null;
    for (const th of this._headers.values()) th.removeAttribute('aria-sort');
  }

  /** Sort by a column; the same column again reverses the order. */
  sortBy(key) {
    const direction = this.sort?.key === key ? -this.sort.direction : 1;
    this.sort = { key, direction };
    for (const [k, th] of this._headers) {
      if (k === key) th.setAttribute('aria-sort', direction === 1 ? 'ascending' : 'descending');
      else th.removeAttribute('aria-sort');
    }
    this._update();
  }

  _update() {
    const f = this.filterText;
    let rows = f ? this.rows.filter((r) => this.columns.some((c) => c.filter && String(c.value(r)).toLowerCase().includes(f))) : this.rows;
    if (this.sort) {
      const col = this.columns.find((c) => c.key === this.sort.key);
      const dir = this.sort.direction;
      rows = rows.map((r, i) => [col.value(r), i, r]).sort(([a, i], [b, j]) => compare(a, b) * dir || i - j).map(([, , r]) => r);
    }
    this._matching = rows;
    this._renderBody();
  }

  _renderBody() {
    const rows = this._matching.slice(0, this.shown);
    const body = this.table.tBodies[0];
    const fragment = document.createDocumentFragment();
    for (const row of rows) {
      const tr = document.createElement('tr');
      for (const col of this.columns) {
        const td = document.createElement('td');
        if (col.numeric) td.className = 'num';
        const content = col.cell(row);
        if (content instanceof Node) td.append(content);
        else td.textContent = content;
        if (col.dataValue) td.dataset.value = col.dataValue(row);
        td.dataset.col = col.key;
        tr.append(td);
      }
      this.rowAttributes?.(row, tr);
      fragment.append(tr);
    }
    body.replaceChildren(fragment);
    const left = this._matching.length - rows.length;
    this.more.hidden = left <= 0;
    this.more.textContent = `Show ${Math.min(left, this.pageSize).toLocaleString('en-US')} more (${left.toLocaleString('en-US')} not shown)`;
    if (this.count) {
      const total = this.rows.length, matching = this._matching.length;
      this.count.textContent = matching === total
        ? `${total.toLocaleString('en-US')} ${this.noun}`
        : `${matching.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} ${this.noun} match`;
    }
  }
}

/** Numbers before strings; NaN (no value) last; strings in natural order ("layers.2" < "layers.10"). */
function compare(a, b) {
  const na = typeof a === 'number', nb = typeof b === 'number';
  if (na && nb) {
    if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) - Number.isNaN(b);
    return a < b ? -1 : a > b ? 1 : 0;
  }
  if (na !== nb) return na ? -1 : 1;
  return COLLATOR.compare(a, b);
}

const COLLATOR = new Intl.Collator('en', { numeric: true });
