(function () {
  'use strict';
  var KEYS = ['outcome', 'tag', 'suite'];
  function all(sel) { return Array.prototype.slice.call(document.querySelectorAll(sel)); }
  function parse() {
    var state = { outcome: [], tag: [], suite: [] };
    location.hash.replace(/^#/, '').split('&').forEach(function (part) {
      var i = part.indexOf('=');
      if (i < 0) { return; }
      var key = decodeURIComponent(part.slice(0, i));
      if (!state[key]) { return; }
      part.slice(i + 1).split(',').forEach(function (v) {
        try { v = decodeURIComponent(v); } catch (e) { return; }
        if (v) { state[key].push(v); }
      });
    });
    return state;
  }
  function fragment(state) {
    return KEYS.filter(function (k) { return state[k].length; }).map(function (k) {
      return k + '=' + state[k].map(encodeURIComponent).join(',');
    }).join('&');
  }
  function keep(el, state) {
    if (state.outcome.length && state.outcome.indexOf(el.getAttribute('data-outcome')) < 0) { return false; }
    if (state.suite.length && state.suite.indexOf(el.getAttribute('data-suite')) < 0) { return false; }
    if (state.tag.length) {
      var tags = (el.getAttribute('data-tags') || '').split('\n');
      if (!state.tag.some(function (t) { return tags.indexOf(t) >= 0; })) { return false; }
    }
    return true;
  }
  function apply() {
    var state = parse(), shown = 0, checks = all('article.check');
    checks.forEach(function (el) { var k = keep(el, state); el.hidden = !k; if (k) { shown++; } });
    all('#grid tbody tr').forEach(function (el) { el.hidden = !keep(el, state); });
    all('#filters input').forEach(function (box) {
      // defaultChecked too: the attribute, so that the page's DOM says what is filtered.
      box.checked = box.defaultChecked = state[box.name].indexOf(box.value) >= 0;
    });
    var text = 'showing ' + shown + ' of ' + checks.length + ' checks';
    var f = fragment(state);
    document.getElementById('shown').textContent = f ? text + ' (' + f.replace(/&/g, '; ') + ')' : text;
  }
  function changed() {
    var state = { outcome: [], tag: [], suite: [] };
    all('#filters input').forEach(function (box) { if (box.checked) { state[box.name].push(box.value); } });
    var f = fragment(state);
    if (history.replaceState) { history.replaceState(null, '', f ? '#' + f : location.pathname + location.search); }
    else { location.hash = f; }
    apply();
  }
  function copy(button) {
    var text = button.parentNode.querySelector('code').textContent;
    function done(ok) {
      button.textContent = ok ? 'copied' : 'select and copy';
      setTimeout(function () { button.textContent = 'copy'; }, 1500);
    }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(function () { done(true); }, function () { done(fallback(text)); });
    } else { done(fallback(text)); }
  }
  function fallback(text) {
    var area = document.createElement('textarea');
    area.value = text; document.body.appendChild(area); area.select();
    var ok = false;
    try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
    document.body.removeChild(area);
    return ok;
  }
  var form = document.getElementById('filters');
  form.hidden = false;
  form.addEventListener('change', changed);
  document.getElementById('clear').addEventListener('click', function (e) {
    e.preventDefault();
    all('#filters input').forEach(function (box) { box.checked = false; });
    changed();
  });
  all('button.copy').forEach(function (b) {
    b.hidden = false;
    b.addEventListener('click', function () { copy(b); });
  });
  window.addEventListener('hashchange', apply);
  apply();
}());
