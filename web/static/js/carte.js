// Fond de carte en tuiles (amélioration progressive). Sans ce script, ou
// sans MAILLAGE_TILE_URL, la carte est un SVG complet qui se suffit. Avec
// lui, les tuiles du serveur configuré (data-tiles) sont posées sous les
// mêmes points : chaque cadre du SVG (g.carto-frame) donne dans
// data-mercator la transformation affine du Mercator sphérique (x = λ,
// y = ln tan(π/4 + φ/2), en radians) vers ses coordonnées, la projection
// même des tuiles web.
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";
  var MAX_TILES = 64;

  function tileURL(template, z, x, y) {
    return template.replace("{z}", z).replace("{x}", x).replace("{y}", y);
  }

  function frameTiles(svg, g, template, unitsPerPx) {
    var m = (g.getAttribute("data-mercator") || "").split(" ").map(Number);
    var clipRef = /url\(#([^)]+)\)/.exec(g.getAttribute("clip-path") || "");
    var rect = clipRef && document.getElementById(clipRef[1]);
    rect = rect && rect.querySelector("rect");
    var layer = g.querySelector("g.carto-tiles");
    if (m.length !== 6 || !rect || !layer || !(m[0] > 0) || !(m[4] < 0)) { return 0; }
    var a = m[0], c = m[2], e = m[4], f = m[5];
    var x0 = rect.x.baseVal.value, y0 = rect.y.baseVal.value;
    var x1 = x0 + rect.width.baseVal.value, y1 = y0 + rect.height.baseVal.value;
    // Zoom level whose 256-pixel tiles are about 256 pixels on screen,
    // or coarser when that would take too many tiles.
    var z = Math.round(Math.log2(a * 2 * Math.PI / (unitsPerPx * 256)));
    z = Math.max(0, Math.min(18, z));
    var n, side, cx0, cx1, ry0, ry1;
    for (; ; z--) {
      n = Math.pow(2, z);
      side = 2 * Math.PI / n;
      cx0 = Math.floor(((x0 - c) / a + Math.PI) / side);
      cx1 = Math.floor(((x1 - c) / a + Math.PI) / side);
      ry0 = Math.floor((Math.PI - (y0 - f) / e) / side);
      ry1 = Math.floor((Math.PI - (y1 - f) / e) / side);
      if ((cx1 - cx0 + 1) * (ry1 - ry0 + 1) <= MAX_TILES || z === 0) { break; }
    }
    var count = 0;
    for (var tx = cx0; tx <= cx1; tx++) {
      for (var ty = Math.max(0, ry0); ty <= Math.min(n - 1, ry1); ty++) {
        var X = tx * side - Math.PI, Y = Math.PI - ty * side;
        var img = document.createElementNS(NS, "image");
        img.setAttribute("href", tileURL(template, z, ((tx % n) + n) % n, ty));
        img.setAttribute("x", a * X + c);
        img.setAttribute("y", e * Y + f);
        img.setAttribute("width", a * side);
        img.setAttribute("height", -e * side);
        img.setAttribute("preserveAspectRatio", "none");
        img.addEventListener("error", function () { this.remove(); });
        layer.appendChild(img);
        count++;
      }
    }
    return count;
  }

  function enhance(fig) {
    if (fig.getAttribute("data-tiled")) { return; }
    fig.setAttribute("data-tiled", "yes");
    var template = fig.getAttribute("data-tiles");
    var svg = fig.querySelector("svg.carto");
    if (!template || !svg) { return; }
    var width = svg.getBoundingClientRect().width || 640;
    var unitsPerPx = svg.viewBox.baseVal.width / width;
    var total = 0;
    svg.querySelectorAll("g.carto-frame").forEach(function (g) {
      total += frameTiles(svg, g, template, unitsPerPx);
    });
    if (total > 0) {
      svg.classList.add("carto-tiled");
      var credit = fig.querySelector(".carto-tile-credit");
      if (credit) { credit.hidden = false; }
    }
  }

  function scan() {
    document.querySelectorAll("figure.carto-map[data-tiles]").forEach(enhance);
  }

  scan();
  // The search page replaces its results (and their map) as one types.
  if (window.MutationObserver) {
    new MutationObserver(scan).observe(document.body, { childList: true, subtree: true });
  }
})();
