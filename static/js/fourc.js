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

  // The member menu is a <details>: it opens and closes without this. Here Escape closes it
  // and gives the focus back to its summary, and a click or focus elsewhere closes it too.
  function closeMenus(except) {
    document.querySelectorAll("details.member-menu[open]").forEach(function (menu) {
      if (menu !== except) menu.open = false;
    });
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var menu = event.target.closest && event.target.closest("details.member-menu[open]");
    if (!menu) return;
    menu.open = false;
    menu.querySelector("summary").focus();
  });

  document.addEventListener("click", function (event) {
    closeMenus(event.target.closest && event.target.closest("details.member-menu"));
  });

  document.addEventListener("focusin", function (event) {
    closeMenus(event.target.closest && event.target.closest("details.member-menu"));
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", prefillTimeZone);
  } else {
    prefillTimeZone();
  }
})();
