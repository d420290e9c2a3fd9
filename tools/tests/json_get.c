// SPDX-License-Identifier: GPL-2.0
/*
 * json_get: test helper for kheapstat-check.sh (busybox has no jq).
 *
 *   json_get PATH... <FILE
 *
 * Reads one JSON value per line (RFC 8259, strictly: a line holding
 * anything else is an error) and prints, for each line, the values at
 * PATHs separated by blanks.  A PATH is keys and array indices joined by
 * dots ("global.pages_in_use", "processes.0.pid"); a last component '#'
 * gives the length of an array or object; "." is the whole value (nothing
 * printed, only checked).  Numbers, true, false and null print as written,
 * strings unquoted with \" \\ \/ \n \t \uXXXX (below 0x80) decoded.
 * Exit status: 0, 1 on a syntax error or a missing PATH, 2 on a usage error.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *pos;
static int lineno;

static void bad(const char *what)
{
	fprintf(stderr, "json_get: line %d: %s at '%.20s'\n", lineno, what,
		pos);
	exit(1);
}

static void ws(void)
{
	while (*pos == ' ' || *pos == '\t' || *pos == '\r' || *pos == '\n')
		pos++;
}

/* Skips a string at pos; copies it decoded to @out (size @n) if given. */
static void string(char *out, size_t n)
{
	size_t len = 0;

	if (*pos++ != '"')
		bad("expected a string");
	for (;;) {
		unsigned char c = *pos++;

		if (c == '"')
			break;
		if (c < 0x20)
			bad("control character or end of line in a string");
		if (c == '\\') {
			c = *pos++;
			switch (c) {
			case '"': case '\\': case '/':
				break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			case 'u': {
				unsigned v = 0;
				int i;

				for (i = 0; i < 4; i++) {
					if (!isxdigit((unsigned char)*pos))
						bad("bad \\u escape");
					v = v * 16 + (isdigit((unsigned char)*pos) ?
						      *pos - '0' :
						      (tolower(*pos) - 'a' + 10));
					pos++;
				}
				c = v < 0x80 ? v : '?';
				break;
			}
			default:
				bad("bad escape");
			}
		}
		if (out && len + 1 < n)
			out[len++] = c;
	}
	if (out)
		out[len] = '\0';
}

static void number(void)
{
	if (*pos == '-')
		pos++;
	if (*pos == '0')
		pos++;
	else if (isdigit((unsigned char)*pos))
		while (isdigit((unsigned char)*pos))
			pos++;
	else
		bad("bad number");
	if (*pos == '.') {
		pos++;
		if (!isdigit((unsigned char)*pos))
			bad("bad fraction");
		while (isdigit((unsigned char)*pos))
			pos++;
	}
	if (*pos == 'e' || *pos == 'E') {
		pos++;
		if (*pos == '+' || *pos == '-')
			pos++;
		if (!isdigit((unsigned char)*pos))
			bad("bad exponent");
		while (isdigit((unsigned char)*pos))
			pos++;
	}
}

/*
 * Parses the value at pos.  If @path is not NULL, the value it names
 * (relative to this one) is printed when found; sets *found.
 */
static void value(const char *path, int *found)
{
	const char *start;
	char key[256], want[256];
	const char *rest = NULL;
	size_t n = 0;

	ws();
	if (path && *path) {
		const char *dot = strchr(path, '.');
		size_t len = dot ? (size_t)(dot - path) : strlen(path);

		if (len >= sizeof(want))
			len = sizeof(want) - 1;
		memcpy(want, path, len);
		want[len] = '\0';
		rest = dot ? dot + 1 : "";
	}
	start = pos;
	if (*pos == '{' || *pos == '[') {
		char close = *pos == '{' ? '}' : ']';

		pos++;
		ws();
		if (*pos != close) {
			for (;;) {
				int hit;

				ws();
				if (close == '}') {
					string(key, sizeof(key));
					ws();
					if (*pos++ != ':')
						bad("expected ':'");
				} else {
					snprintf(key, sizeof(key), "%zu", n);
				}
				hit = rest && !strcmp(key, want);
				value(hit ? rest : NULL, hit ? found : NULL);
				n++;
				ws();
				if (*pos == ',') {
					pos++;
					continue;
				}
				if (*pos != close)
					bad("expected ',' or the end of a container");
				break;
			}
		}
		pos++;
		if (rest && !strcmp(want, "#") && !*rest) {
			printf("%zu", n);
			*found = 1;
		}
	} else if (*pos == '"') {
		if (path && !*path) {
			string(key, sizeof(key));
			printf("%s", key);
			*found = 1;
			return;
		}
		string(NULL, 0);
	} else if (!strncmp(pos, "true", 4) || !strncmp(pos, "null", 4)) {
		pos += 4;
	} else if (!strncmp(pos, "false", 5)) {
		pos += 5;
	} else {
		number();
	}
	if (path && !*path && *start != '{' && *start != '[') {
		printf("%.*s", (int)(pos - start), start);
		*found = 1;
	}
}

int main(int argc, char **argv)
{
	char *line = NULL;
	size_t cap = 0;
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: json_get PATH... <FILE\n");
		return 2;
	}
	while (getline(&line, &cap, stdin) > 0) {
		lineno++;
		for (i = 1; i < argc; i++) {
			int found = 0;
			int whole = !strcmp(argv[i], ".");

			if (i > 1 && !whole)
				putchar(' ');
			pos = line;
			value(whole ? NULL : argv[i], &found);
			ws();
			if (*pos)
				bad("trailing characters");
			if (!whole && !found) {
				fprintf(stderr, "json_get: line %d: no %s\n",
					lineno, argv[i]);
				return 1;
			}
		}
		putchar('\n');
	}
	return 0;
}
