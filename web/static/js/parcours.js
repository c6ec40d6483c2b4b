// « Mon parcours »: the print button (the page prints well without it,
// through the browser's menu).
(function () {
  'use strict';
  Array.prototype.forEach.call(document.querySelectorAll('[data-print]'), function (b) {
    b.addEventListener('click', function () { window.print(); });
  });
})();
