// Package demopage serves the demo's signup page: a form (e-mail,
// nickname), a "본인인증" button that calls the sandbox's browser SDK
// imitation, the POST of the verification id (with the form) to the
// gateway's verify path, and the answer shown as a person reads it: the
// verified birth year and the start of the CI hash, or the refusal's title
// and detail in Korean and English, keyed by the problem code.
//
// It also completes the mobile redirect flow: the SDK sends the tab to the
// page's own URL with the id in the query; the page restores what the person
// typed (kept in sessionStorage before leaving), removes the id from the
// address bar, and posts it as the popup flow does.
//
// The page is plain HTML, CSS and JavaScript, embedded in the binary; it
// loads nothing but its own assets and the SDK from the sandbox. It is a
// demo: only the demo build (cmd/caddy, through the sandbox package)
// carries it, never a production build.
package demopage
