// Sign-in, registration and account pages. The forms work without this script; it adds
// a check that both passwords match and a confirmation before anything is deleted.

function checkPasswordsMatch(form) {
  const first = form.querySelector('input[name="password"]');
  const again = form.querySelector('input[name="password_again"]');
  if (!first || !again) return;
  const check = () => {
    again.setCustomValidity(again.value && again.value !== first.value ? 'The two passwords differ.' : '');
  };
  first.addEventListener('input', check);
  again.addEventListener('input', check);
}

function confirmBeforeSubmit(form) {
  const question = form.dataset.confirm;
  if (!question) return;
  form.addEventListener('submit', (event) => {
    if (!window.confirm(question)) event.preventDefault();
  });
}

for (const form of document.querySelectorAll('form')) {
  checkPasswordsMatch(form);
  confirmBeforeSubmit(form);
}
