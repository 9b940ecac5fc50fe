// The script inside lambdascope's SVG flame graphs (embedded by svg_writer.cpp in a CDATA section, so it must
// never contain the three characters that end one). Hovering a frame shows its details, clicking zooms into it,
// "Reset Zoom" or Escape goes back, Ctrl-F / F3 / "Search" highlights the frames whose name matches a regular
// expression and shows the share of the samples they cover, Ctrl-I toggles case. The view is kept in the URL
// (?x=&y= zoom, ?s= search) when the browser allows it. Geometry comes from each rect's fg:x and fg:w (value
// units) and y (pixels), so nothing depends on the drawing's rounding.
"use strict";

var ls = { nodes: [], zoomed: null, term: null, ignorecase: false };

function ls_attr(e, name) {
  return e.getAttribute(name);
}

function init() {
  var frames = document.getElementById("frames");
  ls.frames = frames;
  ls.details = document.getElementById("details").firstChild;
  ls.matched = document.getElementById("matched");
  ls.search = document.getElementById("search");
  ls.unzoom = document.getElementById("unzoom");
  ls.total = parseFloat(ls_attr(frames, "fg:total"));
  ls.nametype = ls_attr(frames, "fg:nametype");
  ls.fontsize = parseFloat(ls_attr(frames, "fg:fontsize"));
  ls.fontwidth = parseFloat(ls_attr(frames, "fg:fontwidth"));
  ls.inverted = ls_attr(frames, "fg:inverted") === "1";
  ls.searchcolor = ls_attr(frames, "fg:searchcolor");
  ls.width = parseFloat(ls_attr(frames, "width"));

  var groups = frames.getElementsByTagName("g");
  for (var i = 0; i < groups.length; i++) {
    var g = groups[i];
    var rect = g.getElementsByTagName("rect")[0];
    var title = g.getElementsByTagName("title")[0].textContent;
    var node = {
      g: g,
      rect: rect,
      text: g.getElementsByTagName("text")[0],
      title: title,
      name: title.substring(0, title.lastIndexOf(" (")),
      x: parseFloat(ls_attr(rect, "fg:x")),
      w: parseFloat(ls_attr(rect, "fg:w")),
      y: parseFloat(ls_attr(rect, "y")),
      fill: ls_attr(rect, "fill"),
      root: g.getAttribute("class") === "root",
    };
    g.ls_node = node;
    ls.nodes.push(node);
  }

  frames.addEventListener("click", function (e) {
    var n = ls_node_of(e.target);
    if (n) ls_zoom(n);
  });
  frames.addEventListener("mouseover", function (e) {
    var n = ls_node_of(e.target);
    if (n) ls.details.nodeValue = ls.nametype + " " + n.title;
  });
  frames.addEventListener("mouseout", function () {
    ls.details.nodeValue = " ";
  });
  ls.unzoom.addEventListener("click", ls_unzoom);
  ls.search.addEventListener("click", function () {
    if (ls.term !== null) {
      ls_reset_search();
    } else {
      ls_search_prompt();
    }
  });
  window.addEventListener("keydown", function (e) {
    var ctrl = e.ctrlKey || e.metaKey;
    if (e.keyCode === 114 || (ctrl && e.keyCode === 70)) {
      e.preventDefault();
      ls_search_prompt();
    } else if (ctrl && e.keyCode === 73) {
      e.preventDefault();
      ls.ignorecase = !ls.ignorecase;
      if (ls.term !== null) ls_search(ls.term);
    } else if (e.key === "Escape") {
      if (ls.term !== null) ls_reset_search();
      else ls_unzoom();
    }
  });

  var params = ls_params();
  if (params) {
    if (params.has("x") && params.has("y")) {
      var x = parseFloat(params.get("x"));
      var y = parseFloat(params.get("y"));
      for (var k = 0; k < ls.nodes.length; k++) {
        if (ls.nodes[k].x === x && ls.nodes[k].y === y) {
          ls_zoom(ls.nodes[k]);
          break;
        }
      }
    }
    if (params.get("s")) ls_search(params.get("s"));
  }
}

function ls_node_of(target) {
  for (var e = target; e && e !== ls.frames; e = e.parentNode) {
    if (e.ls_node) return e.ls_node;
  }
  return null;
}

function ls_params() {
  try {
    return new URLSearchParams(window.location.search);
  } catch (e) {
    return null;
  }
}

function ls_save_state() {
  var params = ls_params();
  if (!params || !window.history || !window.history.replaceState) return;
  params.delete("x");
  params.delete("y");
  params.delete("s");
  if (ls.zoomed && !ls.zoomed.root) {
    params.set("x", String(ls.zoomed.x));
    params.set("y", String(ls.zoomed.y));
  }
  if (ls.term !== null) params.set("s", ls.term);
  var query = params.toString();
  try {
    window.history.replaceState(null, "", query ? "?" + query : window.location.pathname);
  } catch (e) {
    // file:// URLs may refuse; the view still works.
  }
}

// Places a frame at [x, x + w) of the visible range, in percent of the frames area, and fits its label.
function ls_place(n, x, w) {
  n.rect.setAttribute("x", x.toFixed(4) + "%");
  n.rect.setAttribute("width", w.toFixed(4) + "%");
  n.text.setAttribute("x", (x + 300 / ls.width).toFixed(4) + "%");
  var fit = Math.floor((w / 100) * ls.width / (ls.fontsize * ls.fontwidth));
  var label = "";
  if (fit >= 3) label = n.name.length < fit ? n.name : n.name.substring(0, fit - 2) + "..";
  n.text.textContent = label;
}

function ls_show(n, visible, parent) {
  n.g.style.display = visible ? "" : "none";
  if (parent) n.g.classList.add("parent");
  else n.g.classList.remove("parent");
}

function ls_zoom(target) {
  if (target.root) {
    ls_unzoom();
    return;
  }
  ls.zoomed = target;
  ls.unzoom.classList.remove("hide");
  var x0 = target.x;
  var x1 = target.x + target.w;
  var eps = ls.total * 1e-12;
  for (var i = 0; i < ls.nodes.length; i++) {
    var n = ls.nodes[i];
    var above = ls.inverted ? n.y >= target.y : n.y <= target.y;
    if (above && n.x >= x0 - eps && n.x + n.w <= x1 + eps) {
      ls_show(n, true, false);
      ls_place(n, ((n.x - x0) / target.w) * 100, (n.w / target.w) * 100);
    } else if (!above && n.x <= x0 + eps && n.x + n.w >= x1 - eps) {
      ls_show(n, true, true);
      ls_place(n, 0, 100);
    } else {
      ls_show(n, false, false);
    }
  }
  ls_save_state();
}

function ls_unzoom() {
  ls.zoomed = null;
  ls.unzoom.classList.add("hide");
  for (var i = 0; i < ls.nodes.length; i++) {
    var n = ls.nodes[i];
    ls_show(n, true, false);
    ls_place(n, (n.x / ls.total) * 100, (n.w / ls.total) * 100);
  }
  ls_save_state();
}

function ls_search_prompt() {
  var term = window.prompt(
    "Search frames by regular expression" + (ls.ignorecase ? ", ignoring case" : "") + " (Ctrl-I toggles case)",
    ls.term === null ? "" : ls.term
  );
  if (term !== null && term !== "") ls_search(term);
}

function ls_search(term) {
  var re;
  try {
    re = new RegExp(term, ls.ignorecase ? "i" : "");
  } catch (e) {
    ls.matched.textContent = "Bad regular expression";
    return;
  }
  ls.term = term;
  var spans = [];
  for (var i = 0; i < ls.nodes.length; i++) {
    var n = ls.nodes[i];
    if (!n.root && re.test(n.name)) {
      n.rect.setAttribute("fill", ls.searchcolor);
      spans.push([n.x, n.x + n.w]);
    } else {
      n.rect.setAttribute("fill", n.fill);
    }
  }
  // Matched frames nest (a function calling itself, or a parent and its child): count covered samples once.
  spans.sort(function (a, b) {
    return a[0] - b[0];
  });
  var covered = 0;
  var end = -Infinity;
  for (var k = 0; k < spans.length; k++) {
    var s = Math.max(spans[k][0], end);
    if (spans[k][1] > s) covered += spans[k][1] - s;
    end = Math.max(end, spans[k][1]);
  }
  var pct = ls.total > 0 ? (100 * covered) / ls.total : 0;
  ls.matched.textContent = "Matched: " + (pct === 100 ? "100" : pct.toFixed(1)) + "%";
  ls.search.textContent = "Reset Search";
  ls.search.classList.add("show");
  ls_save_state();
}

function ls_reset_search() {
  ls.term = null;
  for (var i = 0; i < ls.nodes.length; i++) ls.nodes[i].rect.setAttribute("fill", ls.nodes[i].fill);
  ls.matched.textContent = " ";
  ls.search.textContent = "Search";
  ls.search.classList.remove("show");
  ls_save_state();
}
