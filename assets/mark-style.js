// Highlights that survive redraws: CSS rules keyed on data attributes instead of classes that
// a re-rendering table (dmn-js) would drop.

/** A <style> whose rules follow the table however often dmn-js redraws it. */
export function markStyle(id) {
  let el = document.getElementById(id);
  if (!el) {
    el = document.createElement('style');
    el.id = id;
    const nonce = document.querySelector('script[nonce]');
    if (nonce) el.nonce = nonce.nonce;
    document.head.appendChild(el);
  }
  return (rules) => { el.textContent = rules.join('\n'); };
}
