// Lists drawn from a list of columns: a table on a wide screen, one card per row on a phone (≤ 480 px),
// where each cell shows its column's title (data-label, read by the stylesheet). A column is
// { title, cell: (item) => content, class?, rowHeader?, hiddenTitle? }: one more column is one more line.

import { h } from "./dom.js";

export function tableHead(columns) {
  return h("thead", {}, h("tr", {}, columns.map((column) => h("th", { scope: "col", class: column.class },
    column.hiddenTitle ? h("span", { class: "visually-hidden" }, column.title) : column.title))));
}

export function tableRow(columns, item, attributes = {}) {
  return h("tr", attributes, columns.map((column) => h(column.rowHeader ? "th" : "td", {
    scope: column.rowHeader ? "row" : false,
    class: column.class,
    "data-label": column.hiddenTitle ? false : column.title,
  }, column.cell(item))));
}

// A whole list at once; `body` may be given to fill it later (the statement pages its entries in).
export function dataTable(caption, columns, items, { body = null, captionShown = false, rowAttributes } = {}) {
  const tbody = body || h("tbody", {}, items.map((item) => tableRow(columns, item, rowAttributes ? rowAttributes(item) : {})));
  return h("div", { class: "table-wrap" }, h("table", { class: "entries cards" },
    h("caption", { class: captionShown ? false : "visually-hidden" }, caption),
    tableHead(columns), tbody));
}
