/* registry/ui.c: serves the embedded schema browser. */
#include "registry/ui.h"

#include <stdlib.h>
#include <string.h>

#include "compat/embed.h"

extern const struct embed_file ui_assets[];

static const char *ui_content_type(const char *path)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
	    {".html", "text/html; charset=utf-8"},
	    {".js", "text/javascript; charset=utf-8"},
	    {".css", "text/css; charset=utf-8"},
	    {".svg", "image/svg+xml"},
	    {".png", "image/png"},
	};
	const char *dot = strrchr(path, '.');
	for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
		if (strcmp(dot, types[i].ext) == 0)
			return types[i].type;
	return "application/octet-stream";
}

static int ui_redirect(struct http_response *resp, int status, const char *location)
{
	resp->status = status;
	resp->body = NULL;
	resp->body_len = 0;
	resp->content_type = "text/plain; charset=utf-8";
	resp->headers[resp->nheaders++] = location;
	return 1;
}

int ui_handle(const struct http_request *req, struct http_response *resp)
{
	int get = strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0;
	if (!get)
		return 0;
	if (req->nsegs == 0) {
		const char *accept = http_header(req, "Accept");
		if (accept && strstr(accept, "text/html"))
			return ui_redirect(resp, 302, "Location: /ui/");
		return 0;
	}
	if (strcmp(req->segs[0], "ui") != 0)
		return 0;
	size_t rl = strlen(req->raw_path);
	if (req->nsegs == 1 && (rl == 0 || req->raw_path[rl - 1] != '/'))
		return ui_redirect(resp, 301, "Location: /ui/");

	/* Rebuild the file's path from the decoded segments; ".." never names a file. */
	char path[256] = "";
	size_t n = 0;
	for (size_t i = 1; i < req->nsegs; i++) {
		size_t l = strlen(req->segs[i]);
		if (strcmp(req->segs[i], "..") == 0 || n + l + 2 > sizeof path)
			return 0;
		if (n)
			path[n++] = '/';
		memcpy(path + n, req->segs[i], l + 1);
		n += l;
	}
	const struct embed_file *f = embed_find(ui_assets, n ? path : "index.html");
	if (!f) {
		resp->status = 404;
		resp->content_type = "text/plain; charset=utf-8";
		resp->body = strdup("no such file in the schema browser\n");
		resp->body_len = resp->body ? strlen(resp->body) : 0;
		return 1;
	}
	resp->body = malloc(f->len ? f->len : 1);
	if (!resp->body) {
		resp->status = 500;
		resp->body_len = 0;
		resp->content_type = "text/plain; charset=utf-8";
		return 1;
	}
	memcpy(resp->body, f->data, f->len);
	resp->body_len = f->len;
	resp->status = 200;
	resp->content_type = ui_content_type(f->path);
	resp->headers[resp->nheaders++] = "Cache-Control: no-cache";
	resp->headers[resp->nheaders++] = "X-Content-Type-Options: nosniff";
	return 1;
}
