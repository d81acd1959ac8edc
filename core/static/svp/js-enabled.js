// Loaded synchronously at the start of <body>, as GOV.UK Frontend expects, but from a file:
// the Content Security Policy allows no inline script.
document.body.className +=
  " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " govuk-frontend-supported" : "");
