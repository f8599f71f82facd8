/* registry/ui.h: the schema browser, a static web page embedded in the binary
 * and served under /ui/. It talks to the REST API like any other client.
 *
 * ui_handle() is thread-safe and allocates only the response body.
 */
#ifndef SG_UI_H
#define SG_UI_H

#include "registry/http.h"

/* The Content-Security-Policy every registry response carries: the page loads
 * only its own scripts and styles and talks only to its own origin. */
#define UI_CSP                                                                                     \
	"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "          \
	"connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

/* Answers GET/HEAD for /ui, /ui/ and the page's files, and redirects a browser's
 * GET / (Accept: text/html) to /ui/. Returns 1 when it filled `resp`, 0 when the
 * request is not for the page (the API handles it). */
int ui_handle(const struct http_request *req, struct http_response *resp);

#endif
