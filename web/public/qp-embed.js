// qp-embed.js: optional script for pages that embed Quantization Playground widgets as iframes of
// embed.html. It sizes each such iframe to its content's height, which embed.html reports with
// postMessage({type: 'qp-embed-size', height}) (web/widgets/embed_size.mjs). Without it an iframe
// keeps the height its tag gives. A classic script with no dependencies, copied as is to dist/:
//   <script src="/where/dist/is/served/qp-embed.js" defer></script>   (any origin: no CORS needed)
// Only iframes whose src is an embed.html are resized, and only by a message from that very
// frame (event.source is its window) and from the origin its src names.
(function () {
  'use strict';
  var SIZE = 'qp-embed-size';
  var REQUEST = 'qp-embed-size-request';
  var MAX_HEIGHT = 20000;  // a bound on what a frame can ask for

  function embedUrl(frame) {
    try {
      var url = new URL(frame.src, document.baseURI);
      return /\/embed\.html$/.test(url.pathname) ? url : null;
    } catch (e) {
      return null;
    }
  }

  function frameOf(source) {
    var frames = document.getElementsByTagName('iframe');
    for (var i = 0; i < frames.length; i++) if (frames[i].contentWindow === source) return frames[i];
    return null;
  }

  window.addEventListener('message', function (event) {
    var data = event.data;
    if (!data || data.type !== SIZE || typeof data.height !== 'number' || !isFinite(data.height)) return;
    var frame = event.source && frameOf(event.source);
    var url = frame && embedUrl(frame);
    if (!url || url.origin !== event.origin) return;
    var height = Math.max(0, Math.min(MAX_HEIGHT, Math.ceil(data.height)));
    frame.dataset.qpEmbedHeight = String(height);
    // The content's height is the frame's inner height: under box-sizing: border-box the CSS
    // height also holds the frame's borders and padding.
    var style = getComputedStyle(frame);
    if (style.boxSizing === 'border-box') {
      height += ['borderTopWidth', 'borderBottomWidth', 'paddingTop', 'paddingBottom']
        .reduce(function (sum, side) { return sum + (parseFloat(style[side]) || 0); }, 0);
    }
    // An inline style: a stylesheet height on the iframe would win over the height attribute.
    frame.style.height = height + 'px';
  });

  // Frames that reported before this script ran: ask them again (one that is still loading will
  // report by itself once its widget is up). The request carries nothing, so any target origin
  // will do: '*' also avoids an error for a frame still showing its initial about:blank.
  function askAll() {
    var frames = document.getElementsByTagName('iframe');
    for (var i = 0; i < frames.length; i++) {
      var url = embedUrl(frames[i]);
      if (url && frames[i].contentWindow) frames[i].contentWindow.postMessage({ type: REQUEST }, '*');
    }
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', askAll);
  else askAll();
})();
