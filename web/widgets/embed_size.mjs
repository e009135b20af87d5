// embed.html tells the page that embeds it how tall its content is, so that page can size the
// iframe to fit (dist/qp-embed.js does it; web/public/qp-embed.js). Messages, to the parent only:
//   {type: 'qp-embed-size', height}: the content's height in CSS pixels, whenever it changes;
// and on {type: 'qp-embed-size-request'} from the parent (a host script loaded after the frame)
// the current height again. The height is no secret: posted to any origin ('*'), since a widget
// page may be embedded anywhere.

export const SIZE_MESSAGE = 'qp-embed-size';
export const SIZE_REQUEST = 'qp-embed-size-request';

/** Starts reporting the height of `root` (default: the whole document) to the embedding page. */
export function reportEmbedSize(root = document.documentElement) {
  if (window.parent === window) return;  // opened on its own: nobody to tell
  let last = -1;
  const post = (force) => {
    const height = Math.ceil(root.getBoundingClientRect().height);
    if (height === last && !force) return;
    last = height;
    window.parent.postMessage({ type: SIZE_MESSAGE, height }, '*');
  };
  new ResizeObserver(() => post(false)).observe(root);
  addEventListener('message', (event) => {
    if (event.source === window.parent && event.data?.type === SIZE_REQUEST) post(true);
  });
}
