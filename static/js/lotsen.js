// After a failed submit, move focus to the error summary so that keyboard and screen-reader
// users start where the problems are listed (the page works without this script).
document.addEventListener("DOMContentLoaded", () => {
  const summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
  }
});
