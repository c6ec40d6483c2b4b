// Progressive commune autocomplete: fills the <datalist> of inputs with
// data-autocomplete. Without JavaScript the server resolves what was typed.
(function () {
  'use strict';
  var inputs = document.querySelectorAll('input[data-autocomplete]');
  Array.prototype.forEach.call(inputs, function (input) {
    var list = document.getElementById(input.getAttribute('list'));
    var timer = null;
    var last = '';
    input.addEventListener('input', function () {
      var q = input.value.trim();
      if (q.length < 2 || q === last || /\(\w+\)$/.test(q)) { return; }
      clearTimeout(timer);
      timer = setTimeout(function () {
        last = q;
        fetch(input.getAttribute('data-autocomplete') + '?limit=10&q=' + encodeURIComponent(q), { headers: { Accept: 'application/json' } })
          .then(function (r) { return r.ok ? r.json() : { communes: [] }; })
          .then(function (data) {
            while (list.firstChild) { list.removeChild(list.firstChild); }
            (data.communes || []).forEach(function (c) {
              var o = document.createElement('option');
              o.value = c.nom + ' (' + c.code_insee + ')';
              o.label = c.nom + ' — ' + c.code_departement + (c.codes_postaux && c.codes_postaux.length ? ' — ' + c.codes_postaux[0] : '');
              list.appendChild(o);
            });
          })
          .catch(function () { /* the server still resolves the typed text */ });
      }, 150);
    });
  });
})();
