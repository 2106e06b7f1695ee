/* Dashboard charts: Apache ECharts served from our own static files (no CDN).
   Data: the page's JSON (#dash-data: figures of the area and its child areas, chosen and
   labelled on the server), the map layer (map.json: loaded boundaries or the schematic
   layer, features named by division code) and the trend (trends.json). */
(function () {
  "use strict";
  var dataNode = document.getElementById("dash-data");
  if (!dataNode) { return; }
  var data = JSON.parse(dataNode.textContent);
  var text = JSON.parse(document.getElementById("dash-text").textContent);
  var charts = [];

  function fail(el, message) {
    el.classList.add("failed");
    el.textContent = message;
  }

  if (!window.echarts) {
    document.querySelectorAll(".chart").forEach(function (el) { fail(el, text.missing); });
    return;
  }
  var echarts = window.echarts;
  var RED = "#b3261e";
  var RISK = { risk_major: "#c62828", risk_serious: "#ef6c00", risk_general: "#f9a825", risk_low: "#1e63b8" };
  var PALETTE = [RED, "#1e63b8", "#1e7b34", "#8e5b00", "#6a3d9a", "#00838f", "#c2185b", "#5d4037",
    "#546e7a", "#9e9d24", "#ef6c00", "#283593", "#2e7d32", "#ad1457"];

  function fmt(value, percent) {
    if (value === null || value === undefined) { return "—"; }
    if (percent) { return Number(value).toFixed(2) + "%"; }
    return Number(value).toLocaleString();
  }

  function init(el) {
    var chart = echarts.init(el, null, { renderer: "canvas" });
    charts.push(chart);
    return chart;
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) {
        if (!r.ok) { throw new Error(String(r.status)); }
        return r.json();
      });
  }

  /* ---------------------------------------------------------------- map */
  var mapEl = document.getElementById("dash-map");
  var metricCode = data.metrics.length ? data.metrics[0].code : null;
  var names = {};
  var valuesByCode = {};
  var mapChart = null;
  var mapKey = null;
  var layers = {};
  var currentLayer = null;

  function useNodes(level) {
    var nodes = level === "village" ? data.villages : data.children;
    names = {};
    valuesByCode = {};
    nodes.forEach(function (c) { names[c.code] = c.name; valuesByCode[c.code] = c.values; });
    if (!nodes.length) {
      names[data.area.code] = data.area.name;
      valuesByCode[data.area.code] = data.node;
    }
  }

  function loadLayer(level) {
    useNodes(level);
    var url = mapEl.getAttribute("data-url") + (level === "village" ? "?level=village" : "");
    var ready = layers[level] ? Promise.resolve(layers[level]) : getJSON(url);
    return ready.then(function (layer) {
      if (!layers[level]) { echarts.registerMap(layer.key, layer.geojson); layers[level] = layer; }
      mapKey = layer.key;
      currentLayer = layer;
      var note = document.getElementById("dash-schematic");
      if (note) { note.classList.toggle("hidden", !layer.schematic); }
      mapEl.setAttribute("data-schematic", layer.schematic ? "1" : "0");
      drawMap();
      mapEl.setAttribute("data-ready", "1");
    }).catch(function () { fail(mapEl, text.loadFailed); });
  }

  function metric(code) {
    for (var i = 0; i < data.metrics.length; i++) {
      if (data.metrics[i].code === code) { return data.metrics[i]; }
    }
    return null;
  }

  function drawMap() {
    if (!mapChart || !mapKey) { return; }
    var m = metric(metricCode);
    var points = Object.keys(valuesByCode).map(function (code) {
      return { name: code, value: valuesByCode[code][metricCode] };
    });
    var numbers = points.map(function (p) { return p.value; })
      .filter(function (v) { return v !== null && v !== undefined; });
    var max = numbers.length ? Math.max.apply(null, numbers) : 0;
    if (!(max > 0)) { max = m.percent ? 100 : 1; }
    mapChart.setOption({
      tooltip: {
        trigger: "item",
        formatter: function (p) {
          var v = valuesByCode[p.name] || {};
          var lines = ["<b>" + (names[p.name] || p.name) + "</b>"];
          data.metrics.forEach(function (x) { lines.push(x.label + ": " + fmt(v[x.code], x.percent)); });
          return lines.join("<br>");
        }
      },
      visualMap: {
        min: 0, max: max, left: "left", bottom: 10, calculable: false,
        text: [fmt(max, m.percent), fmt(0, m.percent)],
        inRange: { color: m.good ? ["#fbe9e7", "#1e7b34"] : ["#fff3e0", "#ef6c00", RED] }
      },
      // The label travels with the map (also in a saved image of the chart).
      graphic: currentLayer && currentLayer.schematic ? [{
        type: "text", right: 10, top: 6, z: 100,
        style: { text: text.schematic, fill: "#8c5a00", font: "bold 13px sans-serif" }
      }] : [],
      series: [{
        type: "map", map: mapKey, name: m.label, roam: true, nameProperty: "name",
        label: { show: Object.keys(names).length <= 40, fontSize: 11, color: "#1d2733", textBorderColor: "#fff", textBorderWidth: 2,
          formatter: function (p) { return names[p.name] || ""; } },
        emphasis: { label: { show: true } },
        itemStyle: { borderColor: "#555", borderWidth: 0.6, areaColor: "#eeeeee" },
        data: points
      }]
    }, true);
  }

  if (mapEl) {
    mapChart = init(mapEl);
    loadLayer("children");
    document.querySelectorAll(".metric-switch button.metric").forEach(function (b) {
      b.addEventListener("click", function () {
        metricCode = b.getAttribute("data-metric");
        document.querySelectorAll(".metric-switch button.metric").forEach(function (x) {
          x.classList.toggle("on", x === b);
        });
        drawMap();
      });
    });
    document.querySelectorAll(".level-switch button").forEach(function (b) {
      b.addEventListener("click", function () {
        document.querySelectorAll(".level-switch button").forEach(function (x) {
          x.classList.toggle("on", x === b);
        });
        loadLayer(b.getAttribute("data-level"));
      });
    });
  }

  /* ---------------------------------------------------------------- trend */
  var trendEl = document.getElementById("dash-trend");
  if (trendEl) {
    var trend = init(trendEl);
    var loadTrend = function () { getJSON(trendEl.getAttribute("data-url")).then(function (t) {
      var series = t.series.map(function (s, i) {
        return {
          name: s.label, type: "line", smooth: false, symbolSize: 6,
          yAxisIndex: s.percent ? 1 : 0, data: s.values,
          lineStyle: s.percent ? { type: "dashed" } : {},
          color: PALETTE[i % PALETTE.length]
        };
      });
      trend.setOption({
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        grid: { left: 60, right: 50, top: 40, bottom: 30 },
        xAxis: { type: "category", data: t.years.map(String), name: text.year },
        yAxis: [{ type: "value" }, { type: "value", axisLabel: { formatter: "{value}%" }, splitLine: { show: false } }],
        series: series
      });
      trendEl.setAttribute("data-ready", "1");
      // Past years not yet read back from history are computed on the server: ask again.
      trendEl.setAttribute("data-pending", String(t.pending.length));
      if (t.pending.length) { window.setTimeout(loadTrend, 3000); }
    }).catch(function () { fail(trendEl, text.loadFailed); }); };
    loadTrend();
  }

  /* ---------------------------------------------------------------- breakdowns */
  data.breakdowns.forEach(function (b) {
    var el = document.getElementById("dash-breakdown-" + b.group);
    if (!el) { return; }
    var chart = init(el);
    var items = b.items.filter(function (x) { return x.value !== null && x.value !== undefined; });
    var total = items.filter(function (x) { return x.code !== "monitoring_objects"; })
      .reduce(function (s, x) { return s + Number(x.value); }, 0);
    if (b.group === "monitoring" || b.group === "category") {
      chart.setOption({
        tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
        title: total ? undefined : { text: text.noData, left: "center", top: "middle", textStyle: { color: "#999", fontSize: 13 } },
        series: [{
          type: "pie", radius: ["35%", "65%"], label: { fontSize: 11 },
          data: !total ? [] : items.filter(function (x) { return x.code !== "monitoring_objects"; }).map(function (x, i) {
            return { name: x.label, value: x.value, itemStyle: { color: RISK[x.code] || PALETTE[i % PALETTE.length] } };
          })
        }]
      });
    } else {
      chart.setOption({
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        grid: { left: 150, right: 30, top: 10, bottom: 20 },
        xAxis: { type: "value" },
        yAxis: { type: "category", inverse: true, data: items.map(function (x) { return x.label; }),
          axisLabel: { width: 140, overflow: "truncate", fontSize: 11 } },
        series: [{ type: "bar", data: items.map(function (x) { return x.value; }), itemStyle: { color: RED },
          label: { show: true, position: "right", fontSize: 10 } }]
      });
    }
    el.setAttribute("data-ready", "1");
  });

  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
}());
