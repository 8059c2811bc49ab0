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

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", prefillTimeZone);
  } else {
    prefillTimeZone();
  }
})();
