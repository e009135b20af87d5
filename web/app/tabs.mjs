// Tabs with the WAI-ARIA tab pattern: buttons with role="tab", one tab stop, arrow keys move
// between tabs. Hidden panels keep their DOM (the model table, the chart), so switching back is free.

export class Tabs {
  /**
   * @param {HTMLElement} tablist  its [role=tab] buttons name their panel in aria-controls
   * @param {{onSelect?(id: string): void}} handlers  told the selected tab's id after each select()
   */
  constructor(tablist, { onSelect } = {}) {
    this._onSelect = onSelect;
    this.tabs = [...tablist.querySelectorAll('[role="tab"]')];
    for (const tab of this.tabs) tab.addEventListener('click', () => this.select(tab.id));
    tablist.addEventListener('keydown', (e) => {
      const i = this.tabs.indexOf(document.activeElement);
      if (i < 0) return;
      const step = { ArrowRight: 1, ArrowLeft: -1 }[e.key];
      if (!step) return;
      e.preventDefault();
      const next = this.tabs[(i + step + this.tabs.length) % this.tabs.length];
      this.select(next.id);
      next.focus();
    });
  }

  select(id) {
    for (const tab of this.tabs) {
      const selected = tab.id === id;
      tab.setAttribute('aria-selected', String(selected));
      tab.tabIndex = selected ? 0 : -1;
      document.getElementById(tab.getAttribute('aria-controls')).hidden = !selected;
    }
    this._onSelect?.(id);
  }
}
