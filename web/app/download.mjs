// Saves bytes or text made in the page as a download: a Blob URL on a temporary <a download>.
// Nothing leaves the machine; the URL is revoked once the browser has taken the file.

export function saveFile(data, fileName, mimeType = 'application/octet-stream') {
  const url = URL.createObjectURL(new Blob([data], { type: mimeType }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  // Revoking at once can cancel the download in some browsers; a minute is plenty.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
