/* Instance page: draw the diagram with the bundled viewer (static/dist/viewer.js) and mark
   what is done, waiting and failed. The same marks are listed as text below the canvas. */
(function () {
  "use strict";
  var data = document.getElementById("diagram-data");
  var canvas = document.getElementById("diagram-canvas");
  if (!data || !canvas || !window.CsViewer || typeof window.CsViewer.render !== "function") { return; }
  function failed(err) {
    canvas.parentNode.removeChild(canvas);
    if (window.console) { window.console.warn("diagram:", err); }
  }
  try {
    var d = JSON.parse(data.textContent);
    Promise.resolve(window.CsViewer.render(canvas, d.xml, {
      completed: d.completed, active: d.active, incidents: d.incidents, counts: d.counts
    })).then(function () { canvas.classList.add("diagram-drawn"); }, failed);
  } catch (err) {
    failed(err);
  }
}());
