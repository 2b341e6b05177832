// The customer's signature on the field record: drawn with a finger, a pen or the mouse on a canvas,
// sent as a PNG data URL in the form's hidden "signature" field (nothing leaves the page before submit).
(function () {
  var canvas = document.getElementById('signature-pad');
  if (!canvas) { return; }
  var ctx = canvas.getContext('2d');
  var drawing = false, drawn = false, last = null;
  ctx.lineWidth = 2.5; ctx.lineCap = 'round'; ctx.lineJoin = 'round'; ctx.strokeStyle = '#111';

  function point(e) {
    var r = canvas.getBoundingClientRect();
    return { x: (e.clientX - r.left) * canvas.width / r.width, y: (e.clientY - r.top) * canvas.height / r.height };
  }
  canvas.addEventListener('pointerdown', function (e) {
    drawing = true; last = point(e); canvas.setPointerCapture(e.pointerId); e.preventDefault();
  });
  canvas.addEventListener('pointermove', function (e) {
    if (!drawing) { return; }
    var p = point(e);
    ctx.beginPath(); ctx.moveTo(last.x, last.y); ctx.lineTo(p.x, p.y); ctx.stroke();
    last = p; drawn = true; e.preventDefault();
  });
  ['pointerup', 'pointercancel', 'pointerleave'].forEach(function (type) {
    canvas.addEventListener(type, function () { drawing = false; });
  });
  document.getElementById('signature-clear').addEventListener('click', function () {
    ctx.clearRect(0, 0, canvas.width, canvas.height); drawn = false;
  });
  document.getElementById('sign-form').addEventListener('submit', function () {
    document.getElementById('signature-data').value = drawn ? canvas.toDataURL('image/png') : '';
  });
})();
