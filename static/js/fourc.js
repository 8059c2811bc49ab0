// 4C's small enhancements. Every page works without this file.
(function () {
  "use strict";

  // Sign-up: pre-fill the time zone with the browser's own, unless chosen already.
  function prefillTimeZone() {
    var zone;
    try {
      zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    } catch (e) {
      return;
    }
    if (!zone) return;
    document.querySelectorAll("select[data-browser-time-zone]").forEach(function (select) {
      if (select.dataset.touched || select.value !== "UTC") return;
      var option = Array.prototype.find.call(select.options, function (o) { return o.value === zone; });
      if (option) select.value = zone;
    });
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("select[data-browser-time-zone]")) {
      event.target.dataset.touched = "1";
    }
  });

  // A refusal (4xx) that the server sent as a fragment to show in place (header
  // Fourc-Fragment) is swapped like any answer, so the member reads why where they
  // acted. Other error answers keep htmx's default: nothing is swapped.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (xhr.status >= 400 && xhr.status < 500 && xhr.getResponseHeader("Fourc-Fragment")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", prefillTimeZone);
  } else {
    prefillTimeZone();
  }
})();
