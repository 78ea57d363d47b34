/* Maps of the public pages (Leaflet and Leaflet.markercluster, served locally).

   Markup (templates/includes/map.html): <div class="map" data-map data-markers="ID" data-tiles-url="…"
   data-tiles-attribution="…" data-label="…" data-icon-url="…" data-icon-retina-url="…" data-shadow-url="…"
   data-zoom-in="…" data-zoom-out="…" data-locate="…"></div> and a <script type="application/json" id="ID">
   (Django's json_script) holding [{"id", "name", "url", "lat", "lon", "meta"}, …]. List rows with
   data-marker-id="…" get a "locate" button that opens their marker, so the list and the map stay in step.

   The pin images are named by the page ({% static %}): Leaflet would otherwise guess their folder from
   leaflet.css, and find nothing once collectstatic has given the files hashed names. The labels come
   from the page too, translated there.
*/
(function () {
  "use strict";
  if (typeof L === "undefined") { return; }

  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }

  function pinIcon(element) {
    if (!element.dataset.iconUrl) { return new L.Icon.Default(); }
    // L.Icon.Default's sizes and anchors, for the same images at the addresses the page gives.
    return L.icon(L.extend({}, L.Icon.Default.prototype.options, {
      iconUrl: element.dataset.iconUrl,
      iconRetinaUrl: element.dataset.iconRetinaUrl,
      shadowUrl: element.dataset.shadowUrl
    }));
  }

  document.querySelectorAll("[data-map]").forEach(function (element) {
    var source = document.getElementById(element.dataset.markers);
    var points = source ? JSON.parse(source.textContent) : [];
    // maxZoom: clustering needs it even without a tile layer.
    var map = L.map(element, { scrollWheelZoom: false, maxZoom: 19, zoomControl: false });
    L.control.zoom({
      zoomInTitle: element.dataset.zoomIn || "Zoomer",
      zoomOutTitle: element.dataset.zoomOut || "Dézoomer"
    }).addTo(map);
    var icon = pinIcon(element);
    if (element.dataset.tilesUrl) {
      L.tileLayer(element.dataset.tilesUrl, { maxZoom: 19, attribution: escapeHtml(element.dataset.tilesAttribution) }).addTo(map);
    }
    var layer = typeof L.markerClusterGroup === "function" ? L.markerClusterGroup() : L.layerGroup();
    var markers = {};
    points.forEach(function (point) {
      var marker = L.marker([point.lat, point.lon], { icon: icon, title: point.name, alt: point.name });
      var html = '<a href="' + escapeHtml(point.url) + '">' + escapeHtml(point.name) + "</a>";
      if (point.meta) { html += "<br>" + escapeHtml(point.meta); }
      marker.bindPopup(html);
      markers[String(point.id)] = marker;
      layer.addLayer(marker);
    });
    map.addLayer(layer);
    if (points.length) {
      map.fitBounds(L.latLngBounds(points.map(function (p) { return [p.lat, p.lon]; })).pad(0.1), { maxZoom: 16 });
    } else {
      map.setView([48.885, 2.455], 12); // Est Ensemble
    }
    element.setAttribute("role", "region");
    element.setAttribute("aria-label", element.dataset.label || "Carte");
    element.dataset.markerCount = String(points.length);

    document.querySelectorAll("[data-marker-id]").forEach(function (row) {
      var marker = markers[row.dataset.markerId];
      if (!marker) { return; }
      var button = document.createElement("button");
      button.type = "button";
      button.className = "button button--secondary locate";
      // Visible text first, then the actor's name for screen readers (the name contains the label).
      button.textContent = element.dataset.locate || "Voir sur la carte";
      var hidden = document.createElement("span");
      hidden.className = "visually-hidden";
      hidden.textContent = " : " + row.dataset.markerName;
      button.appendChild(hidden);
      button.addEventListener("click", function () {
        element.scrollIntoView({ behavior: "smooth", block: "center" });
        if (layer.zoomToShowLayer) {
          layer.zoomToShowLayer(marker, function () { marker.openPopup(); });
        } else {
          map.setView(marker.getLatLng(), 16);
          marker.openPopup();
        }
      });
      row.appendChild(button);
      marker.on("popupopen", function () { row.classList.add("is-highlighted"); });
      marker.on("popupclose", function () { row.classList.remove("is-highlighted"); });
    });
  });
})();
