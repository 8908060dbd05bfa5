/* "Use my location" on the nearby page. The page works without this script (choose a
   district, or type coordinates); the script only shows the button, asks the browser for
   the position when the citizen presses it (never before), rounds it to 3 decimals
   (about 100 m) and submits the same GET form. Messages come from the button's data-*
   attributes, so they are translated with the page. */
(function () {
  "use strict";

  function start() {
    var form = document.getElementById("nearby-form");
    var button = document.getElementById("use-location");
    var status = document.getElementById("location-status");
    var lat = document.getElementById("lat");
    var lon = document.getElementById("lon");
    var district = document.getElementById("district");
    if (!form || !button || !status || !lat || !lon) {
      return;
    }
    var geolocation = window.navigator && window.navigator.geolocation;
    if (!geolocation || typeof geolocation.getCurrentPosition !== "function") {
      return; // no way to ask: the button stays hidden, the district form is there
    }

    function say(message) {
      status.textContent = message || "";
    }

    function failed(error) {
      button.disabled = false;
      var denied = error && error.code === 1; // PERMISSION_DENIED
      say(denied ? button.getAttribute("data-denied") : button.getAttribute("data-unavailable"));
    }

    function found(position) {
      var coords = position && position.coords;
      if (!coords || !isFinite(coords.latitude) || !isFinite(coords.longitude)) {
        failed(null);
        return;
      }
      lat.value = coords.latitude.toFixed(3);
      lon.value = coords.longitude.toFixed(3);
      if (district) {
        district.value = ""; // near me means near me, whatever district was chosen
      }
      form.submit();
    }

    button.addEventListener("click", function () {
      button.disabled = true;
      say(button.getAttribute("data-finding"));
      try {
        geolocation.getCurrentPosition(found, failed, {
          enableHighAccuracy: false,
          timeout: 15000,
          maximumAge: 300000
        });
      } catch (error) {
        failed(null);
      }
    });
    button.hidden = false;
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
