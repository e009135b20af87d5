// On a phone the settings form sits above the results and would fill the first screen and a half
// before any result or tab. There it starts folded to one button (the status line under it says
// what is chosen); on wider screens it is a sidebar and the button is not shown.
const PHONE = '(max-width: 760px)';  // the phone layout's breakpoint in style.css

export function foldSettingsOnPhones(form, button, query = matchMedia(PHONE)) {
  const show = (open) => {
    form.classList.toggle('folded', !open);
    button.setAttribute('aria-expanded', String(open));
  };
  show(!query.matches);
  button.addEventListener('click', () => show(form.classList.contains('folded')));
  // Crossing the breakpoint (a rotated tablet, a resized window) gives that layout's default.
  query.addEventListener('change', (e) => show(!e.matches));
}
