#include "pages/dashboard_script.hpp"

namespace llmopt::pages {

// Plain ES2017, no library. Everything from the document goes into the page
// through textContent and setAttribute, never innerHTML: decision triggers
// carry text from Kafka signals.
const char* const dashboard_script = R"js("use strict";
(function () {
  const L = CFG.layout;
  const SVG = "http://www.w3.org/2000/svg";
  const history = [];  // samples, oldest first
  const colours = {};
  const opened = new Set(), closed = new Set();  // decisions by id, as the reader left them

  // -- building the page ------------------------------------------------------
  function h(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    for (const k of kids) e.append(k instanceof Node ? k : document.createTextNode(String(k)));
    return e;
  }
  function s(tag, attrs, text) {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  const num = (x) => (typeof x === "number" && isFinite(x) ? x : null);
  const obj = (x) => (x && typeof x === "object" && !Array.isArray(x) ? x : {});
  const arr = (x) => (Array.isArray(x) ? x : []);
  const fmt = (x, d) => (num(x) === null ? "n/a" : x.toFixed(d));
  const pct = (x) => (num(x) === null ? "n/a" : (100 * x).toFixed(1) + "%");
  const c1 = (x) => (Math.round(x * 10) / 10).toString();
  const clock = (t) => new Date(t * 1000).toTimeString().slice(0, 8);
  function colourOf(m) {
    if (!(m in colours)) colours[m] = CFG.palette[Object.keys(colours).length % CFG.palette.length];
    return colours[m];
  }
  function fill(id, ...kids) {
    document.getElementById(id).replaceChildren(...kids);
  }
  function table(headings, rows) {
    const t = h("table", {}, h("tr", {}, ...headings.map((x) => h("th", {}, x))));
    for (const r of rows) t.append(r);
    return t;
  }
  function row(attrs, cells) {
    return h("tr", attrs, ...cells.map((x) => (x instanceof Node ? x : h("td", {}, x))));
  }

  // -- samples -----------------------------------------------------------------
  // One poll: per route its candidates' weights in route order, per model
  // the live window's figures and the lifetime totals rates are taken from.
  function sampleOf(d) {
    const models = {};
    for (const [m, v] of Object.entries(obj(d.models))) {
      const w = obj(v.window), life = obj(v.lifetime);
      models[m] = {p50: num(w.p50_ms), p95: num(w.p95_ms), ttft50: num(w.p50_ttft_ms),
                   ttft95: num(w.p95_ttft_ms), err: num(w.error_rate), calls: num(life.calls),
                   cost: num(life.cost_usd)};
    }
    const routes = {};
    for (const [r, v] of Object.entries(obj(d.routes)))
      routes[r] = arr(obj(v).candidates).map((c) => [String(c.model), num(c.weight) || 0]);
    return {t: (num(d.at_ms) || Date.now()) / 1000, routes, models};
  }
  // Per minute, of a lifetime total: its change over the last 30 s of
  // samples (a 2 s step holds a call or two, too few for a rate).
  function ratePoints(model, field) {
    const pts = [];
    for (let i = 1, j = 0; i < history.length; ++i) {
      while (j < i - 1 && history[i].t - history[j + 1].t >= 30) ++j;
      const a = obj(history[j].models[model])[field], b = obj(history[i].models[model])[field];
      const dt = history[i].t - history[j].t;
      if (num(a) !== null && num(b) !== null && dt > 0) pts.push([history[i].t, (60 * (b - a)) / dt]);
    }
    return pts;
  }
  function valuePoints(model, field) {
    const pts = [];
    for (const x of history) {
      const v = obj(x.models[model])[field];
      if (num(v) !== null) pts.push([x.t, v]);
    }
    return pts;
  }

  // -- charts (the geometry of share_chart.hpp) ---------------------------------
  function timeSpan() {
    const t0 = history.length ? history[0].t : 0;
    const t1 = history.length ? history[history.length - 1].t + CFG.poll_ms / 1000 : 1;
    return [t0, Math.max(t1, t0 + 1)];
  }
  function frame(caption, legend, yMax, yLabel) {
    const top = 12, bottom = top + L.plot_height;
    const height = Math.max(bottom + 40, top + L.legend_row * legend.length);
    const svg = s("svg", {width: L.width, height, viewBox: `0 0 ${L.width} ${height}`, role: "img",
                          "aria-label": caption});
    const [t0, t1] = timeSpan();
    const f = {svg, x: (t) => L.plot_left + (L.plot_width * (t - t0)) / (t1 - t0),
               y: (v) => top + L.plot_height * (1 - v / yMax)};
    for (let k = 0; k <= 4; ++k) {
      const y = f.y((yMax * k) / 4);
      svg.append(s("line", {class: "grid", x1: L.plot_left, y1: c1(y), x2: L.plot_left + L.plot_width, y2: c1(y)}));
      svg.append(s("text", {x: L.plot_left - 6, y: c1(y + 4), "text-anchor": "end"}, yLabel((yMax * k) / 4)));
    }
    for (let k = 0; k <= 5; ++k) {
      const t = t0 + ((t1 - t0) * k) / 5, x = f.x(t);
      svg.append(s("line", {class: "axis", x1: c1(x), y1: bottom, x2: c1(x), y2: bottom + 4}));
      svg.append(s("text", {x: c1(x), y: bottom + 16, "text-anchor": "middle"}, clock(t)));
    }
    svg.append(s("line", {class: "axis", x1: L.plot_left, y1: bottom, x2: L.plot_left + L.plot_width, y2: bottom}));
    legend.forEach((m, i) => {
      const y = top + L.legend_row * i;
      svg.append(s("rect", {x: L.legend_left, y, width: 12, height: 12, fill: colourOf(m)}));
      svg.append(s("text", {x: L.legend_left + 18, y: y + 10, class: "legend"}, m));
    });
    return f;
  }
  function figure(caption, svg, attrs) {
    return h("figure", attrs || {}, h("figcaption", {}, caption), svg);
  }
  // A route's candidates stacked, first at the bottom; each sample holds
  // until the next (a weight is a state, not a trend).
  function shareChart(route) {
    const models = [];
    for (const x of history)
      for (const [m] of arr(x.routes[route])) if (!models.includes(m)) models.push(m);
    const caption = `${route} · traffic share per candidate (routing weight)`;
    const f = frame(caption, models, 1, (v) => Math.round(100 * v) + "%");
    const [, t1] = timeSpan();
    const spans = history.filter((x) => x.routes[route]).map((x, i, all) => {
      const w = Object.fromEntries(x.routes[route]);
      const total = models.reduce((a, m) => a + (w[m] || 0), 0);
      return {from: x.t, to: i + 1 < all.length ? all[i + 1].t : t1,
              shares: models.map((m) => (total > 0 ? (w[m] || 0) / total : 0))};
    });
    const below = spans.map(() => 0);
    models.forEach((m, k) => {
      let top = "", bottom = [];
      spans.forEach((sp, i) => {
        const a = below[i], b = a + sp.shares[k];
        top += `${c1(f.x(sp.from))},${c1(f.y(b))} ${c1(f.x(sp.to))},${c1(f.y(b))} `;
        bottom.unshift(`${c1(f.x(sp.to))},${c1(f.y(a))} ${c1(f.x(sp.from))},${c1(f.y(a))}`);
        below[i] = b;
      });
      if (!spans.some((sp) => sp.shares[k] > 0)) return;
      const p = s("polygon", {class: "area", fill: colourOf(m), points: top + bottom.join(" "),
                              "data-model": m});
      p.append(s("title", {}, m));
      f.svg.append(p);
    });
    return figure(caption, f.svg, {"data-route": route});
  }
  // One line per series: {model, dash, pts: [[t, v]]}.
  // `cap`: the largest top of the y axis (1 for a rate).
  function lineChart(id, caption, series, yLabel, cap) {
    const models = [...new Set(series.map((x) => x.model))];
    let yMax = 0;
    for (const x of series) for (const [, v] of x.pts) yMax = Math.max(yMax, v);
    yMax = yMax > 0 ? Math.min(yMax * 1.1, cap || Infinity) : cap || 1;
    const f = frame(caption, models, yMax, yLabel);
    for (const x of series) {
      if (!x.pts.length) continue;
      const d = x.pts.map(([t, v], i) => `${i ? "L" : "M"}${c1(f.x(t))},${c1(f.y(v))}`).join("");
      const attrs = {class: "line", d, stroke: colourOf(x.model), "data-model": x.model,
                     "data-points": x.pts.length};
      if (x.dash) attrs["stroke-dasharray"] = "5 4";
      const path = s("path", attrs);
      path.append(s("title", {}, x.model + (x.dash ? " p95" : "")));
      f.svg.append(path);
    }
    return figure(caption, f.svg, {id});
  }

  // -- sections -----------------------------------------------------------------
  function drawCharts(models) {
    const routes = Object.keys(history[history.length - 1].routes).sort();
    fill("routes", ...routes.map(shareChart));
    const ms = (v) => Math.round(v) + " ms";
    const pair = (lo, hi) => models.flatMap((m) => [{model: m, pts: valuePoints(m, lo)},
                                                     {model: m, dash: true, pts: valuePoints(m, hi)}]);
    const each = (f) => models.map((m) => ({model: m, pts: f(m)}));
    fill("charts",
         lineChart("chart-calls", "calls per minute per model", each((m) => ratePoints(m, "calls")),
                   (v) => v.toFixed(v < 10 ? 1 : 0)),
         lineChart("chart-latency", "latency p50 (solid) and p95 (dashed), live window", pair("p50", "p95"), ms),
         lineChart("chart-ttft", "time to first token p50 (solid) and p95 (dashed)", pair("ttft50", "ttft95"), ms),
         lineChart("chart-errors", "error rate, live window", each((m) => valuePoints(m, "err")),
                   (v) => (100 * v).toFixed(1) + "%", 1),
         lineChart("chart-cost", "cost per minute (USD)", each((m) => ratePoints(m, "cost")),
                   (v) => "$" + v.toFixed(v < 0.1 ? 4 : 2)));
  }
  function drawModels(d, models) {
    fill("models", table(
        ["model", "calls (window)", "error rate", "p50 ms", "p95 ms", "TTFT p50 ms", "TTFT p95 ms",
         "cost/request USD", "calls (lifetime)"],
        models.map((m) => {
          const v = obj(d.models[m]), w = obj(v.window), life = obj(v.lifetime);
          return row({"data-model": m}, [
              h("td", {}, h("span", {class: "swatch", style: "background:" + colourOf(m)}), m),
              h("td", {class: "calls"}, fmt(num(w.calls), 0)), pct(w.error_rate), fmt(w.p50_ms, 0),
              fmt(w.p95_ms, 0), fmt(w.p50_ttft_ms, 0), fmt(w.p95_ttft_ms, 0),
              fmt(w.cost_per_request_usd, 6), h("td", {class: "lifetime"}, fmt(num(life.calls), 0))]);
        })));
  }
  function drawBudgets(d) {
    const budgets = arr(d.budgets);
    fill("budgets", budgets.length
        ? table(["scope", "limit USD", "spent USD", "reserved USD", "remaining USD", "used"],
                budgets.map((b) => {
                  const used = num(b.limit_usd) ? (b.spent_usd + b.reserved_usd) / b.limit_usd : null;
                  const bar = h("td", {}, h("span", {class: "bar"}, h("span", {
                      class: b.past_soft_limit ? "fill soft" : "fill",
                      style: `width:${Math.min(100, 100 * (used || 0)).toFixed(1)}%`})), " " + pct(used));
                  return row({"data-scope": String(b.scope)}, [String(b.scope), fmt(b.limit_usd, 4),
                      fmt(b.spent_usd, 6), fmt(b.reserved_usd, 6), fmt(b.remaining_usd, 6), bar]);
                }))
        : h("p", {class: "muted"}, "no budget in use"));
  }
  function drawDecisions(d) {
    const list = arr(d.decisions);
    fill("decisions", ...(list.length ? list.map((x, i) => {
      const id = String(x.id);
      const summary = h("summary", {}, `#${id} · ${x.at} · ${x.route} · ${x.trigger}`);
      const det = h("details", {"data-decision": id}, summary, h("pre", {}, String(x.explanation || "")));
      det.open = opened.has(id) || (i === 0 && !closed.has(id));  // the newest open
      summary.addEventListener("click", () => {  // before the toggle: det.open is the old state
        (det.open ? closed : opened).add(id);
        (det.open ? opened : closed).delete(id);
      });
      return det;
    }) : [h("p", {class: "muted"}, "no decision yet")]));
  }
  function drawPipeline(d) {
    const p = obj(d.pipeline), sources = obj(p.sources), collector = obj(p.collector);
    const counts = (name, c) => row({"data-source": name}, [name, fmt(c.received, 0), fmt(c.applied, 0),
                                     fmt(c.duplicates, 0), fmt(c.dead_lettered, 0)]);
    const rows = Object.entries(sources).map(([name, c]) => counts(name, obj(c)));
    rows.push(counts("total", obj(p.total)));
    const dlq = Object.entries(obj(collector.dead_letters_by_reason));
    fill("pipeline",
         table(["source", "received", "applied", "duplicates", "dead-lettered"], rows),
         h("p", {}, `collector: ${fmt(collector.in_flight, 0)} in flight, ` +
                    `${collector.paused ? "paused" : "consuming"}, ${fmt(collector.partitions, 0)} partitions`));
    fill("dlq", dlq.length ? table(["reason", "dead letters"], dlq.map(([r, n]) => row({"data-reason": r}, [r, fmt(n, 0)])))
                           : h("p", {class: "muted"}, "no dead letter"));
  }

  // -- polling ------------------------------------------------------------------
  function status(text, bad) {
    const e = document.getElementById("status");
    e.textContent = text;
    e.className = bad ? "bad" : "";
  }
  function draw(d) {
    Object.assign(colours, obj(d.colours));
    history.push(sampleOf(d));
    if (history.length > CFG.keep) history.shift();
    const models = Object.keys(obj(d.models)).sort();
    drawCharts(models);
    drawModels(d, models);
    drawBudgets(d);
    drawDecisions(d);
    drawPipeline(d);
    status(`updated ${clock(history[history.length - 1].t)} · ${history.length} sample(s)`, false);
  }
  async function poll() {
    try {
      const r = await fetch(CFG.url, {credentials: "same-origin", cache: "no-store"});
      if (r.status === 401) return status("not signed in: reload the page to sign in", true);
      if (!r.ok) status(`the daemon answered ${r.status}`, true);
      else draw(await r.json());
    } catch (e) {
      status("the daemon does not answer: " + e, true);
    }
    setTimeout(poll, CFG.poll_ms);
  }
  poll();
})();
)js";

}  // namespace llmopt::pages
