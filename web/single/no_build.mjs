// Stands for the scalar and threaded builds in the single-file page, which carries only the SIMD
// core (a second core would double its size; a file:// page is never cross-origin isolated).
export default function missingBuild() {
  const error = new Error('the single-file page includes only the SIMD build of the core: ' +
    'this browser needs the scalar build, served by the full site (dist/)');
  error.name = 'QplayError';
  return Promise.reject(error);
}
