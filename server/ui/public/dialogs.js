// The two questions the page asks: the admin token, and how long to silence.

// Enter in a form presses its first submit button, which was Cancel: so Cancel
// is a plain button (type="button") that closes the dialog here, and Enter
// presses the dialog's own answer.
function cancelButton(dialog) {
  dialog.querySelector('button[value="cancel"]').onclick = () => dialog.close('cancel');
}

/** Resolves with the token typed, or null when the dialog was cancelled. */
export function askForToken(reason) {
  const dialog = document.getElementById('token-dialog');
  const input = document.getElementById('token-input');
  document.getElementById('token-reason').textContent = reason;
  input.value = '';
  cancelButton(dialog);
  return new Promise((resolve) => {
    dialog.addEventListener(
      'close',
      () => resolve(dialog.returnValue === 'ok' && input.value.trim() ? input.value.trim() : null),
      { once: true },
    );
    dialog.showModal();
    input.focus();
  });
}

/** Resolves with { duration, comment } or null. */
export function askForSilence(label) {
  const dialog = document.getElementById('silence-dialog');
  const form = dialog.querySelector('form');
  document.getElementById('silence-target').textContent = label;
  form.reset();
  cancelButton(dialog);
  return new Promise((resolve) => {
    dialog.addEventListener(
      'close',
      () => {
        if (dialog.returnValue !== 'ok') return resolve(null);
        const duration = form.elements.namedItem('duration').value;
        const comment = form.elements.namedItem('comment').value.trim() || `silenced from the dashboard: ${label}`;
        resolve({ duration, comment });
      },
      { once: true },
    );
    dialog.showModal();
  });
}
