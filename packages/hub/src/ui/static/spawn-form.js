// Progressive enhancement of the spawn form (web/spawn/): choosing another app shows its fields
// at once, numbers whose limits depend on the partition follow the chosen partition (the `max`
// the browser enforces, the hint beside the field, a message saying why a value is too large),
// and "Other software" suggests modules for every name typed, not just the first. The form works
// without this script; the hub checks every value again.
(() => {
  const form = document.getElementById('spawn-form');
  if (!form) return;

  const summary = document.getElementById('form-errors');
  if (summary) summary.focus();

  for (const radio of form.querySelectorAll('input[name="app"]')) {
    radio.addEventListener('change', () => {
      const url = new URL(form.dataset.reload, window.location.href);
      url.searchParams.set('app', radio.value);
      window.location.assign(url.toString());
    });
  }

  const limited = [...form.querySelectorAll('input[data-limits-by]')];

  function labelOf(input) {
    const label = form.querySelector(`label[for="${input.id}"]`);
    return label ? label.textContent.trim() : input.name;
  }

  function check(input) {
    const by = form.elements.namedItem(input.dataset.limitsBy);
    const max = Number(input.max);
    const value = Number(input.value);
    let message = '';
    if (input.value !== '' && Number.isFinite(value) && value > max && by) {
      message = `${labelOf(input)}: ${input.dataset.limitsBy} ${by.value} allows at most ${max}.`;
    }
    input.setCustomValidity(message);
    input.closest('.field')?.classList.toggle('over-limit', message !== '');
  }

  function follow() {
    for (const input of limited) {
      const by = form.elements.namedItem(input.dataset.limitsBy);
      if (!by) continue;
      let limits = {};
      try {
        limits = JSON.parse(input.dataset.limits || '{}');
      } catch {
        // keep the limits the page was rendered with
      }
      const max = Object.hasOwn(limits, by.value) ? limits[by.value] : Number(input.dataset.maximum);
      if (!Number.isFinite(max)) continue;
      input.max = String(max);
      const hint = document.getElementById(`${input.id}-hint`)?.querySelector('.limit');
      if (hint) hint.textContent = `${input.min} to ${max} in ${input.dataset.limitsBy} ${by.value}`;
      check(input);
    }
  }

  // "Other software": the page's <datalist> suggests whole values, so without this only the first
  // name gets suggestions. Here the list is rebuilt as the user types, offering for the name
  // being typed (after the last space or comma) the listed modules that contain it, each as the
  // whole new value; names already in the field are not offered again.
  const software = form.querySelector('input[data-suggest]');
  const suggestions = software?.list;
  if (software && suggestions) {
    const names = [...suggestions.options].map((option) => option.value);
    const suggest = () => {
      const text = software.value;
      const cut = text.search(/[^\s,]*$/);
      const head = text.slice(0, cut);
      const typed = text.slice(cut).toLowerCase();
      const chosen = new Set(head.split(/[\s,]+/));
      const options = names
        .filter((name) => !chosen.has(name) && name.toLowerCase().includes(typed))
        .slice(0, 100)
        .map((name) => {
          const option = document.createElement('option');
          option.value = head + name;
          option.label = name;
          return option;
        });
      suggestions.replaceChildren(...options);
    };
    software.addEventListener('input', suggest);
    software.addEventListener('focus', suggest);
  }

  form.addEventListener('change', (event) => {
    if (event.target instanceof HTMLSelectElement) follow();
  });
  for (const input of limited) input.addEventListener('input', () => check(input));
  follow();
})();
