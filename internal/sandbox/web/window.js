// The sandbox's verification window, after the person picked an identity
// or cancelled in popup mode: hand the result to the page that opened the
// window, aimed at that page's origin only, then close.
"use strict";
(function () {
  var done = document.getElementById("done");
  if (!done || !window.opener) {
    return; // opened by hand: the page says what happened
  }
  var message = { sandbox: done.dataset.sandbox, result: JSON.parse(done.dataset.result) };
  window.opener.postMessage(message, done.dataset.origin);
  window.close();
})();
