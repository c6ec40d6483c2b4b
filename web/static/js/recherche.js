// Recherche au fil de la frappe (amélioration progressive) : sans ce script,
// le formulaire GET /recherche fonctionne tel quel. Avec lui, la zone des
// résultats est rechargée 250 ms après la dernière frappe ou case cochée,
// et l'adresse de la page reste partageable (history.replaceState).
(function () {
  "use strict";
  var form = document.querySelector("form[data-live-search]");
  if (!form || !window.fetch || !window.DOMParser) { return; }
  var timer = null;
  var pending = null;

  function url() {
    var params = new URLSearchParams(new FormData(form));
    var keep = new URLSearchParams();
    params.forEach(function (value, key) {
      if (value !== "" && !(key === "rayon" && !params.get("pres"))) { keep.append(key, value); }
    });
    var qs = keep.toString();
    return "/recherche" + (qs ? "?" + qs : "");
  }

  function refresh() {
    var target = url();
    if (pending) { pending.abort(); }
    pending = new AbortController();
    fetch(target, { signal: pending.signal, headers: { "Accept": "text/html" }, credentials: "same-origin" })
      .then(function (resp) { return resp.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("resultats");
        var current = document.getElementById("resultats");
        if (fresh && current) {
          current.replaceWith(fresh);
          window.history.replaceState(null, "", target);
        }
      })
      .catch(function () { /* le bouton Rechercher reste disponible */ });
  }

  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 250);
  }

  form.addEventListener("input", function (ev) {
    if (ev.target && ev.target.name === "q") { later(); }
  });
  form.addEventListener("change", function (ev) {
    if (ev.target && ev.target.type === "checkbox") { later(); }
  });
})();
