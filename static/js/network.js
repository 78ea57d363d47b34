/* The cooperation network's graphs (Cytoscape.js, served locally).

   Markup (templates/directory/includes/network_graph.html): <div class="network" data-network
   data-graph="ID" data-label="…"> and a <script type="application/json" id="ID"> (Django's json_script)
   holding {"colour_by": "sector"|"typology", "nodes": [{"id", "label", "url", "focus", "degree",
   "typology", "sector", "focused"}], "edges": [{"id", "source", "target", "colour", "formal"}]}: the
   colours are chosen by the server, the same as in the page's legends. A click on an actor opens its
   network (`focus`) or its page (`url`). The radio buttons named « couleur » switch the colours
   without reloading; without JavaScript they are a field of the page's form.

   The graph is a picture: the page's table and list give the same links as text.
*/
(function () {
  "use strict";
  if (typeof cytoscape === "undefined") { return; }

  function colourKey(value) { return value === "typologie" || value === "typology" ? "typology" : "sector"; }

  document.querySelectorAll("[data-network]").forEach(function (element) {
    var source = document.getElementById(element.dataset.graph);
    var data = source ? JSON.parse(source.textContent) : { nodes: [], edges: [] };
    if (!data.nodes.length) { return; }
    var colourBy = colourKey(data.colour_by);
    var maxDegree = Math.max.apply(null, data.nodes.map(function (n) { return n.degree || 0; }).concat([1]));
    var elements = data.nodes.map(function (node) {
      return {
        group: "nodes",
        data: {
          id: node.id, label: node.label, url: node.url, focus: node.focus || "", degree: node.degree || 0,
          typology: node.typology, sector: node.sector || node.typology, focused: node.focused ? 1 : 0
        }
      };
    }).concat(data.edges.map(function (edge) {
      return {
        group: "edges",
        data: { id: edge.id, source: edge.source, target: edge.target, colour: edge.colour, formal: edge.formal ? 1 : 0 }
      };
    }));

    var fallback = element.querySelector(".network-fallback");
    if (fallback) { fallback.remove(); }
    element.classList.add("is-drawn");

    var cy = cytoscape({
      container: element,
      elements: elements,
      boxSelectionEnabled: false,
      minZoom: 0.1,
      maxZoom: 4,
      style: [
        {
          selector: "node",
          style: {
            "background-color": "data(" + colourBy + ")",
            "width": "mapData(degree, 0, " + maxDegree + ", 14, 44)",
            "height": "mapData(degree, 0, " + maxDegree + ", 14, 44)",
            "label": "data(label)",
            "font-size": 11,
            "color": "#1b1b1b",
            "text-valign": "bottom",
            "text-margin-y": 3,
            "text-outline-color": "#ffffff",
            "text-outline-width": 2,
            "min-zoomed-font-size": 9,
            "border-width": 1,
            "border-color": "#ffffff"
          }
        },
        { selector: "node[focused = 1]", style: { "border-width": 4, "border-color": "#1b1b1b", "font-weight": "bold" } },
        {
          selector: "edge",
          style: { "line-color": "data(colour)", "width": 2, "curve-style": "bezier", "opacity": 0.75 }
        },
        { selector: "edge[formal = 0]", style: { "line-style": "dashed" } }
      ],
      layout: data.nodes.length > 2
        ? { name: "cose", animate: false, nodeRepulsion: function () { return 12000; }, idealEdgeLength: function () { return 60; }, padding: 20 }
        : { name: "circle", padding: 40 }
    });

    cy.on("tap", "node", function (event) {
      var node = event.target.data();
      window.location.href = node.focus || node.url;
    });
    cy.on("mouseover", "node", function () { element.classList.add("is-pointing"); });
    cy.on("mouseout", "node", function () { element.classList.remove("is-pointing"); });

    element.setAttribute("role", "img");
    element.setAttribute("aria-label", element.dataset.label || "Graphe");
    element.dataset.nodeCount = String(cy.nodes().length);
    element.dataset.edgeCount = String(cy.edges().length);
    element.dataset.colourBy = colourBy;

    document.querySelectorAll('input[type="radio"][name="couleur"]').forEach(function (radio) {
      radio.addEventListener("change", function () {
        if (!radio.checked) { return; }
        var key = colourKey(radio.value);
        cy.style().selector("node").style("background-color", "data(" + key + ")").update();
        element.dataset.colourBy = key;
        document.querySelectorAll("[data-legend]").forEach(function (legend) {
          legend.hidden = legend.dataset.legend !== key;
        });
      });
    });
  });
})();
