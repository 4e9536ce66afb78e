/** A tiny element builder: text always goes in as text nodes (no innerHTML), attributes by name. */
export type Child = Node | string | number | null | undefined | false;
export type Attrs = Record<string, string | number | boolean | undefined | null | ((ev: Event) => void)>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: (Child | Child[])[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === "function") el.addEventListener(name.replace(/^on/, ""), value);
    else if (value === true) el.setAttribute(name, "");
    else el.setAttribute(name, String(value));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} missing`);
  return el as T;
}

/** A table with a caption, column headers (scope=col) and row headers (scope=row) in the first column. */
export function table(opts: {
  id?: string;
  caption: string;
  columns: string[];
  rows: { cells: Child[]; data?: Record<string, string> }[];
  numericFrom?: number;
}): HTMLTableElement {
  const numericFrom = opts.numericFrom ?? 1;
  return h(
    "table",
    { id: opts.id, class: "data" },
    h("caption", {}, opts.caption),
    h("thead", {}, h("tr", {}, ...opts.columns.map((c, i) => h("th", { scope: "col", class: i >= numericFrom ? "num" : undefined }, c)))),
    h(
      "tbody",
      {},
      ...opts.rows.map((r) => {
        const tr = h(
          "tr",
          {},
          ...r.cells.map((c, i) => (i === 0 ? h("th", { scope: "row" }, c) : h("td", { class: i >= numericFrom ? "num" : undefined }, c))),
        );
        for (const [k, v] of Object.entries(r.data ?? {})) tr.dataset[k] = v;
        return tr;
      }),
    ),
  );
}
