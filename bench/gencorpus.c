/*
 * gencorpus.c - deterministic generator of the `make bench` log corpus.
 *
 * Writes a Heroku application's log in `heroku logs` CLI form
 * (`TIMESTAMP source[process]: message`): router access lines dominate,
 * with gunicorn, Django, Celery, dyno-metrics and Heroku Postgres noise,
 * and about 3% of lines that the shipped rules are about (Postgres
 * 53300 refusals, slow statements, heroku-postgres metrics, router
 * H10/H12/H13, Django OperationalError, R14, L10). They come in
 * incidents of about 80 s every 8 minutes, with a calm long enough in
 * between for the shipped rules' alerts to fire and then resolve.
 *
 * The same seed gives byte-identical output everywhere: the PRNG is our
 * own (splitmix64 seeding xoshiro256**), and only integer arithmetic is
 * used (no rand(), no libm, no locale). Formats: ../shared/reference/
 * formats.md §2. Everything is sized at start-up; one line buffer.
 *
 * Usage: gencorpus [-n LINES] [-s SEED] [-b BLOCK_LINES] [-v] > file
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dw.h"

/* Lines written when -n is not given. */
#define GEN_LINES_DEFAULT	1000000ULL
/* Seed used when -s is not given. */
#define GEN_SEED_DEFAULT	1ULL
/* Longest line we ever build, in bytes; the longest real one (the
 * heroku-postgres metrics sample) is about 700. */
#define GEN_LINE_MAX_BYTES	4096
/* stdout buffer, in bytes: fewer write(2) calls for a 230 MB file. */
#define GEN_OUTBUF_BYTES	(1024 * 1024)
/* First timestamp: 2024-03-01T12:00:00Z, in seconds since the epoch. */
#define GEN_START_S		1709294400ULL
/* Mean gap between two records, in microseconds (jitter is uniform
 * over 1 .. 2 * mean - 1, so timestamps strictly increase per record;
 * lines of one multi-line record share or nearly share a time). */
#define GEN_GAP_MEAN_US		1000
/* Lines per block (about 20 s of log). Every GEN_EPISODE_BLOCKS blocks
 * (about 8 minutes) hold one incident of GEN_INCIDENT_BLOCKS blocks
 * (database connections exhausted, timeouts, crashes, memory) that
 * starts 3 to 6 blocks into the episode. The calm between two
 * incidents is longer than 5 minutes and nearly free of errors, so
 * alerts on 5-minute windows fire and then resolve; and the share of
 * rule-relevant lines varies little from seed to seed. */
#define GEN_BLOCK_LINES		20000
#define GEN_EPISODE_BLOCKS	25
#define GEN_INCIDENT_BLOCKS	4
/* Kind weights are per GEN_WEIGHT_TOTAL records. */
#define GEN_WEIGHT_TOTAL	100000
/* Distinct client addresses, web dynos, worker dynos. */
#define GEN_CLIENTS		6000
#define GEN_WEB_DYNOS		6
#define GEN_WORKER_DYNOS	2
/* Long-lived Postgres backends that write LOG lines; refused
 * connections get fresh backend ids above these. */
#define GEN_PG_BACKENDS		48
/* Connection limit of the database (Heroku Postgres essential-0: 20,
 * the shipped rules' default DW_PG_CONNECTION_LIMIT). Calm traffic
 * stays below GEN_PG_CALM_CONN, incidents run up to the limit. */
#define GEN_PG_MAX_CONN		20
#define GEN_PG_CALM_CONN	14

/* What a record is. Kinds after K_FIRST_RELEVANT are rule material. */
enum kind {
	K_ROUTER = 0,		/* at=info access line */
	K_GUNICORN,		/* gunicorn access log line */
	K_DJANGO,		/* Django INFO/WARNING line */
	K_WORKER,		/* Celery task line */
	K_DYNO_METRICS,		/* heroku[web.N] sample#memory_* / load_avg */
	K_PG_NOISE,		/* Postgres checkpoint/autovacuum LOG */
	K_TRACEBACK,		/* Python traceback lines before an error */
	K_PG_CONT,		/* [seq-2] TAB continuation of a statement */
	K_STATE,		/* dyno state changes */
	K_R14_PRE,		/* "Process running mem=..." before R14 */
	K_FIRST_RELEVANT,
	K_PG_53300 = K_FIRST_RELEVANT,
	K_PG_SLOW,		/* LOG:  duration: N ms  statement: */
	K_PG_METRICS,		/* app[heroku-postgres] sample#... */
	K_H12,
	K_H13,
	K_H10,
	K_DJANGO_OPERR,		/* django.db.utils.OperationalError */
	K_R14,
	K_L10,
	K_COUNT
};

static const char *const kind_names[K_COUNT] = {
	"router", "gunicorn", "django", "worker", "dyno_metrics", "pg_noise",
	"traceback", "pg_continuation", "dyno_state", "r14_process_running",
	"pg_53300", "pg_slow", "pg_metrics", "router_h12", "router_h13",
	"router_h10", "django_operr", "r14", "l10"
};

/* Record weights in calm and incident blocks (per GEN_WEIGHT_TOTAL).
 * Calm blocks carry only what stays under the shipped rules'
 * thresholds: metrics samples, sub-2 s statements, a rare H12.
 * K_ROUTER takes whatever is left. Multi-line kinds emit more lines
 * than one record (traceback, continuation, R14 preamble). */
struct weight {
	enum kind	kind;
	uint32_t	calm;
	uint32_t	incident;
};

static const struct weight weights[] = {
	{ K_GUNICORN,		3000,	3000 },
	{ K_DJANGO,		13000,	11000 },
	{ K_WORKER,		5000,	4000 },
	{ K_DYNO_METRICS,	500,	500 },
	{ K_PG_NOISE,		150,	150 },
	{ K_STATE,		0,	100 },
	{ K_PG_53300,		0,	5000 },
	{ K_PG_SLOW,		600,	2200 },
	{ K_PG_METRICS,		100,	100 },
	{ K_H12,		1,	5000 },
	{ K_H13,		0,	800 },
	{ K_H10,		0,	500 },
	{ K_DJANGO_OPERR,	0,	2500 },
	{ K_R14,		0,	300 },
	{ K_L10,		0,	200 },
};

struct gen {
	uint64_t	 s[4];		/* xoshiro256** state */
	FILE		*out;
	uint64_t	 maxlines;
	uint64_t	 block_lines;	/* GEN_BLOCK_LINES unless -b */
	uint64_t	 nlines;
	uint64_t	 nbytes;
	uint64_t	 counts[K_COUNT];
	uint64_t	 t_us;		/* current event time, µs */
	int		 incident;	/* current block is an incident */
	/* Per second: "2024-03-01T12:00:00" and its struct tm. */
	uint64_t	 cached_s;
	struct tm	 tm;
	char		 date[32];
	size_t		 datelen;
	/* Postgres: per-backend syslog sequence numbers. */
	uint32_t	 pg_pid[GEN_PG_BACKENDS];
	uint32_t	 pg_seq[GEN_PG_BACKENDS];
	uint32_t	 pg_next_pid;
	uint64_t	 pg_xact;	/* current_transaction counter */
	uint64_t	 ip_salt;	/* makes client addresses per seed */
	char		 role[2][16];	/* the app's and a second role */
	char		 addon[40];
	char		 drain[40];	/* L10 drain token */
	char		 dyno_id[GEN_WEB_DYNOS][40];	/* per-dyno uuid */
	char		 line[GEN_LINE_MAX_BYTES];
	size_t		 len;
};

/* ---- PRNG ------------------------------------------------------------ */

/* splitmix64 (Steele, Lea, Flood 2014), used to seed xoshiro. */
static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t	z;

	*x += 0x9e3779b97f4a7c15ULL;
	z = *x;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* xoshiro256** 1.0 (Blackman, Vigna 2018). */
static uint64_t
rnd(struct gen *g)
{
	uint64_t	*s = g->s;
	uint64_t	 r = rotl(s[1] * 5, 7) * 9;
	uint64_t	 t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return r;
}

/* Uniform in [0, n), n > 0 (Lemire's multiply-shift; the bias of at
 * most n / 2^32 does not matter for a corpus). */
static uint32_t
rnd_below(struct gen *g, uint32_t n)
{
	return (uint32_t)(((rnd(g) >> 32) * (uint64_t)n) >> 32);
}

/* Uniform in [lo, hi]. */
static uint32_t
rnd_range(struct gen *g, uint32_t lo, uint32_t hi)
{
	return lo + rnd_below(g, hi - lo + 1);
}

/* True with probability pct percent. */
static int
rnd_pct(struct gen *g, uint32_t pct)
{
	return rnd_below(g, 100) < pct;
}

/* A uniformly chosen element of the array a. */
#define PICK(g, a)	((a)[rnd_below((g), (uint32_t)DW_NELEM(a))])

/* ---- line building ----------------------------------------------------- */

static void
put(struct gen *g, const char *s, size_t n)
{
	if (n > sizeof(g->line) - 1 - g->len)	/* keep room for '\n' */
		n = sizeof(g->line) - 1 - g->len;
	memcpy(g->line + g->len, s, n);
	g->len += n;
}

static void
put_s(struct gen *g, const char *s)
{
	put(g, s, strlen(s));
}

static void
put_c(struct gen *g, char c)
{
	put(g, &c, 1);
}

/* Decimal, at least width digits (zero-padded). */
static void
put_u(struct gen *g, uint64_t v, int width)
{
	char	buf[24];
	int	i = (int)sizeof(buf);

	do {
		buf[--i] = (char)('0' + v % 10);
		v /= 10;
		width--;
	} while (v != 0 || width > 0);
	put(g, buf + i, sizeof(buf) - (size_t)i);
}

/* v / 10^dec with dec decimals, e.g. put_fixed(2405887, 3) "2405.887". */
static void
put_fixed(struct gen *g, uint64_t v, int dec)
{
	uint64_t	p = 1;
	int		i;

	for (i = 0; i < dec; i++)
		p *= 10;
	put_u(g, v / p, 1);
	if (dec > 0) {
		put_c(g, '.');
		put_u(g, v % p, dec);
	}
}

static void
put_hex(struct gen *g, uint64_t v, int ndigits)
{
	static const char	hex[] = "0123456789abcdef";
	int			i;

	for (i = ndigits - 1; i >= 0; i--)
		put_c(g, hex[(v >> (4 * i)) & 0xf]);
}

static void
put_uuid(struct gen *g)
{
	uint64_t	a = rnd(g), b = rnd(g);

	put_hex(g, a >> 32, 8);
	put_c(g, '-');
	put_hex(g, a >> 16, 4);
	put_c(g, '-');
	put_hex(g, 0x4000 | (a & 0x0fff), 4);
	put_c(g, '-');
	put_hex(g, 0x8000 | ((b >> 48) & 0x3fff), 4);
	put_c(g, '-');
	put_hex(g, b, 12);
}

static void
put_ip(struct gen *g, uint32_t ip)
{
	put_u(g, ip >> 24, 1);
	put_c(g, '.');
	put_u(g, (ip >> 16) & 0xff, 1);
	put_c(g, '.');
	put_u(g, (ip >> 8) & 0xff, 1);
	put_c(g, '.');
	put_u(g, ip & 0xff, 1);
}

/* A public-looking address for client number i (stable per seed). */
static uint32_t
client_ip(struct gen *g, uint32_t i)
{
	uint64_t	h;
	uint32_t	ip;

	h = (uint64_t)i * 0x9e3779b97f4a7c15ULL + g->ip_salt;
	h = (h ^ (h >> 31)) * 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 29;
	ip = (uint32_t)h;
	/* Keep the first octet in 11..223 and away from 127 and 10. */
	ip = (ip & 0x00ffffff) | ((uint32_t)(11 + (h >> 40) % 213) << 24);
	if ((ip >> 24) == 127 || (ip >> 24) == 172 || (ip >> 24) == 192)
		ip ^= 0x40000000;
	return ip;
}

/* Cache the calendar fields of the current second. */
static void
gen_clock(struct gen *g)
{
	uint64_t	s = g->t_us / 1000000;
	time_t		t;

	if (s == g->cached_s && g->datelen > 0)
		return;
	t = (time_t)s;
	gmtime_r(&t, &g->tm);
	g->cached_s = s;
	g->datelen = strftime(g->date, sizeof(g->date), "%Y-%m-%dT%H:%M:%S",
	    &g->tm);
}

/* Start a line: "2024-03-01T12:00:00.123456+00:00 source[proc]: ". */
static void
line_begin(struct gen *g, const char *source, const char *proc,
    uint32_t procnum)
{
	gen_clock(g);
	g->len = 0;
	put(g, g->date, g->datelen);
	put_c(g, '.');
	put_u(g, g->t_us % 1000000, 6);
	put_s(g, "+00:00 ");
	put_s(g, source);
	put_c(g, '[');
	put_s(g, proc);
	if (procnum > 0) {
		put_c(g, '.');
		put_u(g, procnum, 1);
	}
	put_s(g, "]: ");
}

/* Finish and write the line, unless the line budget is spent. */
static void
line_end(struct gen *g, enum kind k)
{
	if (g->nlines >= g->maxlines)
		return;
	g->line[g->len++] = '\n';
	fwrite(g->line, 1, g->len, g->out);
	g->nlines++;
	g->nbytes += g->len;
	g->counts[k]++;
}

/* Advance the clock by a few microseconds (next line of a record). */
static void
tick_small(struct gen *g)
{
	g->t_us += rnd_range(g, 3, 60);
}

/* ---- vocabularies ------------------------------------------------------ */

static const char *const pg_host =
    "ec2-44-210-36-121.compute-1.amazonaws.com";
static const char *const pg_ip = "44.210.36.121";

static const char *const words[] = {
	"organic", "cotton", "linen", "wool", "merino", "classic", "slim",
	"relaxed", "vintage", "denim", "jacket", "shirt", "t-shirt", "hoodie",
	"sneaker", "boot", "scarf", "beanie", "backpack", "tote", "black",
	"navy", "olive", "sand", "white", "grey", "red", "kids", "mens",
	"womens", "summer", "winter", "recycled", "waterproof", "canvas"
};

static const char *const categories[] = {
	"new-arrivals", "sale", "mens", "womens", "kids", "accessories",
	"shoes", "outerwear", "basics", "gift-cards"
};

static const char *const user_agents[] = {
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
	    "(KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36",
	"Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) "
	    "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 "
	    "Mobile/15E148 Safari/604.1",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
	    "(KHTML, like Gecko) Version/17.2 Safari/605.1.15",
	"Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 "
	    "Firefox/123.0",
	"okhttp/4.12.0",
	"Stripe/1.0 (+https://stripe.com/docs/webhooks)",
	"python-requests/2.31.0"
};

static const char *const sql_tables[] = {
	"orders", "order_items", "customers", "products", "inventory",
	"carts", "payments", "shipments", "reviews", "coupons"
};

/* ---- record writers ---------------------------------------------------- */

static void
put_slug(struct gen *g)
{
	put_s(g, PICK(g, words));
	put_c(g, '-');
	put_s(g, PICK(g, words));
	if (rnd_pct(g, 50)) {
		put_c(g, '-');
		put_s(g, PICK(g, words));
	}
	put_c(g, '-');
	put_u(g, rnd_range(g, 100, 99999), 1);
}

/* What a path is: decides the method, the body size, the time. */
enum path_class {
	P_PAGE = 0,		/* HTML page */
	P_API,			/* JSON API */
	P_STATIC,		/* asset the CDN missed */
	P_POST			/* webhook or GraphQL: mostly POST */
};

/* A request path. Most assets are served by a CDN and never reach the
 * router, so pages and API calls dominate. */
static enum path_class
put_path(struct gen *g)
{
	uint32_t	r = rnd_below(g, 100);

	if (r < 8) {
		put_c(g, '/');
		return P_PAGE;
	}
	if (r < 23) {
		put_s(g, "/api/orders/");
		put_u(g, rnd_range(g, 100000, 999999), 1);
		return P_API;
	}
	if (r < 33) {
		put_s(g, "/api/cart");
		return P_API;
	}
	if (r < 45) {
		put_s(g, "/api/products/");
		put_u(g, rnd_range(g, 1000, 99999), 1);
		return P_API;
	}
	if (r < 55) {
		put_s(g, "/products/");
		put_s(g, PICK(g, words));
		put_c(g, '-');
		put_s(g, PICK(g, words));
		return P_PAGE;
	}
	if (r < 61) {
		put_s(g, "/c/");
		put_s(g, PICK(g, categories));
		if (rnd_pct(g, 40)) {
			put_s(g, "?page=");
			put_u(g, rnd_range(g, 2, 30), 1);
		}
		return P_PAGE;
	}
	if (r < 65) {
		put_s(g, "/search?q=");
		put_s(g, PICK(g, words));
		return P_PAGE;
	}
	if (r < 71) {
		put_s(g, "/cart");
		return P_PAGE;
	}
	if (r < 75) {
		put_s(g, "/checkout");
		return P_PAGE;
	}
	if (r < 81) {
		put_s(g, "/graphql");
		return P_POST;
	}
	if (r < 84) {
		put_s(g, "/health");
		return P_API;
	}
	if (r < 87) {
		put_s(g, "/login");
		return P_PAGE;
	}
	if (r < 90) {
		put_s(g, "/webhooks/stripe");
		return P_POST;
	}
	if (r < 96) {
		put_s(g, rnd_pct(g, 60) ? "/static/app." : "/static/vendor.");
		put_hex(g, rnd(g), 8);
		put_s(g, rnd_pct(g, 70) ? ".js" : ".css");
		return P_STATIC;
	}
	if (r < 98) {
		put_s(g, "/favicon.ico");
		return P_STATIC;
	}
	if (r < 99) {
		put_s(g, "/api/session");
		return P_API;
	}
	put_s(g, "/wp-login.php");
	return P_PAGE;
}

static const char *
method_for(struct gen *g, enum path_class pc)
{
	uint32_t	r = rnd_below(g, 100);

	switch (pc) {
	case P_STATIC:
		return "GET";
	case P_POST:
		return r < 85 ? "POST" : "GET";
	case P_API:
		if (r < 76)
			return "GET";
		if (r < 90)
			return "POST";
		if (r < 94)
			return "PUT";
		if (r < 97)
			return "PATCH";
		return "DELETE";
	default:
		return r < 95 ? "GET" : r < 99 ? "POST" : "HEAD";
	}
}

/* Longest path put_path() builds, in bytes (it stays under 60). */
#define PATH_MAX_BYTES	128

/* Build a path into buf (PATH_MAX_BYTES) without leaving it in the
 * line: the method, written before it, depends on its class. */
static enum path_class
take_path(struct gen *g, char *buf, size_t *len)
{
	size_t		mark = g->len;
	enum path_class	pc = put_path(g);

	*len = g->len - mark;
	if (*len > PATH_MAX_BYTES)
		*len = PATH_MAX_BYTES;
	memcpy(buf, g->line + mark, *len);
	g->len = mark;
	return pc;
}

/* The Host header: the custom domain, sometimes the herokuapp name. */
static const char *
app_host(struct gen *g)
{
	return rnd_pct(g, 90) ? "shopfront.io" : "shopfront.herokuapp.com";
}

/* Service time in ms: mostly fast with a long tail. */
static uint32_t
service_ms(struct gen *g)
{
	uint32_t	r = rnd_below(g, 100);

	if (r < 70)
		return rnd_range(g, 1, 60);
	if (r < 92)
		return rnd_range(g, 61, 300);
	if (r < 99)
		return rnd_range(g, 301, 2000);
	return rnd_range(g, 2001, 15000);
}

static void
put_fwd(struct gen *g)
{
	put_s(g, " fwd=\"");
	put_ip(g, client_ip(g, rnd_below(g, GEN_CLIENTS)));
	if (rnd_pct(g, 8)) {
		put_c(g, ',');
		put_ip(g, client_ip(g, GEN_CLIENTS + rnd_below(g, 50)));
	}
	put_c(g, '"');
}

/* One request line as logfmt, the way the router writes it (§2.3).
 * The method comes first in the line but depends on the path, so the
 * path is built in a side buffer and copied in. */
static void
emit_router(struct gen *g)
{
	char		path[PATH_MAX_BYTES];
	size_t		pathlen;
	enum path_class	pc;
	uint32_t	r, status, bytes;

	line_begin(g, "heroku", "router", 0);
	pc = take_path(g, path, &pathlen);
	put_s(g, "at=info method=");
	put_s(g, method_for(g, pc));
	put_s(g, " path=\"");
	put(g, path, pathlen);
	put_s(g, "\" host=");
	put_s(g, app_host(g));
	put_s(g, " request_id=");
	put_uuid(g);
	put_fwd(g);
	put_s(g, " dyno=web.");
	put_u(g, rnd_range(g, 1, GEN_WEB_DYNOS), 1);
	put_s(g, " connect=");
	r = rnd_below(g, 100);
	put_u(g, r < 60 ? 0 : r < 95 ? 1 : rnd_range(g, 2, 9), 1);
	put_s(g, "ms service=");
	put_u(g, pc == P_STATIC ? rnd_range(g, 1, 12) : service_ms(g), 1);
	r = rnd_below(g, 1000);
	if (r < 780)
		status = 200;
	else if (r < 850)
		status = 304;
	else if (r < 890)
		status = 302;
	else if (r < 900)
		status = 301;
	else if (r < 930)
		status = 201;
	else if (r < 940)
		status = 204;
	else if (r < 975)
		status = 404;
	else if (r < 985)
		status = 401;
	else if (r < 990)
		status = 403;
	else if (r < 995)
		status = 422;
	else if (r < 998)
		status = 500;
	else
		status = 502;
	if (status == 204)
		bytes = 0;
	else if (status == 304 || status == 301 || status == 302)
		bytes = rnd_range(g, 180, 420);
	else if (pc == P_STATIC && status == 200)
		bytes = rnd_range(g, 2000, 350000);
	else if (pc == P_PAGE && status == 200)
		bytes = rnd_range(g, 6000, 60000);
	else
		bytes = rnd_range(g, 150, 9000);
	put_s(g, "ms status=");
	put_u(g, status, 1);
	put_s(g, " bytes=");
	put_u(g, bytes, 1);
	put_s(g, rnd_pct(g, 97) ? " protocol=https" : " protocol=http");
	line_end(g, K_ROUTER);
}

/* Router errors: H12 request timeout, H13 connection closed without
 * response, H10 app crashed (empty dyno/connect/service, §2.3). */
static void
emit_router_error(struct gen *g, enum kind k)
{
	char		path[PATH_MAX_BYTES];
	size_t		pathlen;
	enum path_class	pc;

	line_begin(g, "heroku", "router", 0);
	pc = take_path(g, path, &pathlen);
	if (k == K_H12)
		put_s(g, "at=error code=H12 desc=\"Request timeout\" method=");
	else if (k == K_H13)
		put_s(g, "at=error code=H13 desc=\"Connection closed without "
		    "response\" method=");
	else
		put_s(g, "at=error code=H10 desc=\"App crashed\" method=");
	put_s(g, method_for(g, pc));
	put_s(g, " path=\"");
	put(g, path, pathlen);
	put_s(g, "\" host=");
	put_s(g, app_host(g));
	put_s(g, " request_id=");
	put_uuid(g);
	put_fwd(g);
	if (k == K_H10) {
		put_s(g, " dyno= connect= service= status=503 bytes=");
	} else {
		put_s(g, " dyno=web.");
		put_u(g, rnd_range(g, 1, GEN_WEB_DYNOS), 1);
		put_s(g, " connect=");
		put_u(g, rnd_range(g, 0, 2), 1);
		put_s(g, "ms service=");
		put_u(g, k == K_H12 ? 30000 : rnd_range(g, 5, 29000), 1);
		put_s(g, "ms status=503 bytes=0");
	}
	put_s(g, " protocol=https");
	line_end(g, k);
}

static void
emit_gunicorn(struct gen *g)
{
	static const char *const months[] = {
		"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
		"Oct", "Nov", "Dec"
	};
	char		path[PATH_MAX_BYTES];
	size_t		pathlen;
	enum path_class	pc;

	line_begin(g, "app", "web", rnd_range(g, 1, GEN_WEB_DYNOS));
	pc = take_path(g, path, &pathlen);
	/* The router's internal address, as gunicorn sees it. */
	put_s(g, "10.");
	put_u(g, rnd_below(g, 256), 1);
	put_c(g, '.');
	put_u(g, rnd_below(g, 256), 1);
	put_c(g, '.');
	put_u(g, rnd_range(g, 1, 254), 1);
	put_s(g, " - - [");
	put_u(g, (uint64_t)g->tm.tm_mday, 2);
	put_c(g, '/');
	put_s(g, months[g->tm.tm_mon]);
	put_c(g, '/');
	put_u(g, (uint64_t)g->tm.tm_year + 1900, 4);
	put_c(g, ':');
	put_u(g, (uint64_t)g->tm.tm_hour, 2);
	put_c(g, ':');
	put_u(g, (uint64_t)g->tm.tm_min, 2);
	put_c(g, ':');
	put_u(g, (uint64_t)g->tm.tm_sec, 2);
	put_s(g, " +0000] \"");
	put_s(g, method_for(g, pc));
	put_c(g, ' ');
	put(g, path, pathlen);
	put_s(g, " HTTP/1.1\" ");
	put_s(g, rnd_pct(g, 92) ? "200 " : "302 ");
	put_u(g, rnd_range(g, 200, 24000), 1);
	put_s(g, " \"-\" \"");
	put_s(g, PICK(g, user_agents));
	put_c(g, '"');
	line_end(g, K_GUNICORN);
}

/* "2024-03-01 12:00:00,123" as Python's logging prints asctime. */
static void
put_pytime(struct gen *g, char sep)
{
	put(g, g->date, 10);
	put_c(g, ' ');
	put(g, g->date + 11, 8);
	put_c(g, sep);
	put_u(g, (g->t_us / 1000) % 1000, 3);
}

static void
emit_django(struct gen *g)
{
	uint32_t	r = rnd_below(g, 100);

	line_begin(g, "app", "web", rnd_range(g, 1, GEN_WEB_DYNOS));
	if (r < 90)
		put_s(g, "INFO ");
	else
		put_s(g, "WARNING ");
	put_pytime(g, ',');
	if (r < 35) {
		put_s(g, " orders.views Order ");
		put_u(g, rnd_range(g, 100000, 999999), 1);
		put_s(g, " placed by customer ");
		put_u(g, rnd_range(g, 1000, 99999), 1);
		put_s(g, " (");
		put_u(g, rnd_range(g, 1, 6), 1);
		put_s(g, " items, total ");
		put_fixed(g, rnd_range(g, 900, 49900), 2);
		put_s(g, " USD)");
	} else if (r < 60) {
		put_s(g, " catalog.views Rendered product page ");
		put_slug(g);
		put_s(g, " in ");
		put_u(g, rnd_range(g, 3, 180), 1);
		put_s(g, " ms (cache ");
		put_s(g, rnd_pct(g, 70) ? "hit)" : "miss)");
	} else if (r < 75) {
		put_s(g, " accounts.auth Login succeeded for customer ");
		put_u(g, rnd_range(g, 1000, 99999), 1);
	} else if (r < 90) {
		/* A near miss for connection rules: mentions connections. */
		put_s(g, " shop.db Connection pool: ");
		put_u(g, rnd_range(g, 1, 18), 1);
		put_s(g, " of 20 connections in use");
	} else if (r < 96) {
		put_s(g, " django.request Not Found: ");
		put_s(g, rnd_pct(g, 50) ? "/wp-login.php" : "/.env");
	} else {
		put_s(g, " payments.stripe Webhook retry for event evt_");
		put_hex(g, rnd(g), 16);
		put_s(g, " (attempt ");
		put_u(g, rnd_range(g, 2, 5), 1);
		put_c(g, ')');
	}
	line_end(g, K_DJANGO);
}

static void
emit_worker(struct gen *g)
{
	static const char *const tasks[] = {
		"orders.tasks.send_receipt", "orders.tasks.sync_inventory",
		"catalog.tasks.reindex_product", "accounts.tasks.send_welcome",
		"payments.tasks.capture_payment"
	};

	line_begin(g, "app", "worker", rnd_range(g, 1, GEN_WORKER_DYNOS));
	put_c(g, '[');
	put_pytime(g, ',');
	put_s(g, ": INFO/ForkPoolWorker-");
	put_u(g, rnd_range(g, 1, 4), 1);
	put_s(g, "] Task ");
	put_s(g, PICK(g, tasks));
	put_c(g, '[');
	put_uuid(g);
	put_s(g, "] succeeded in ");
	put_fixed(g, rnd_range(g, 2, 4000), 3);
	put_s(g, "s: None");
	line_end(g, K_WORKER);
}

static void
emit_dyno_metrics(struct gen *g)
{
	uint32_t	dyno = rnd_range(g, 1, GEN_WEB_DYNOS);
	uint32_t	rss = rnd_range(g, 15000, 48000);	/* 10 kB */

	line_begin(g, "heroku", "web", dyno);
	put_s(g, "source=web.");
	put_u(g, dyno, 1);
	put_s(g, " dyno=heroku.");
	put_u(g, 322071457 + dyno, 1);
	put_c(g, '.');
	put_s(g, g->dyno_id[dyno - 1]);
	if (rnd_pct(g, 50)) {
		put_s(g, " sample#load_avg_1m=");
		put_fixed(g, rnd_below(g, 300), 2);
		put_s(g, " sample#load_avg_5m=");
		put_fixed(g, rnd_below(g, 200), 2);
		put_s(g, " sample#load_avg_15m=");
		put_fixed(g, rnd_below(g, 150), 2);
	} else {
		put_s(g, " sample#memory_total=");
		put_fixed(g, rss + 40, 2);
		put_s(g, "MB sample#memory_rss=");
		put_fixed(g, rss, 2);
		put_s(g, "MB sample#memory_cache=");
		put_fixed(g, 40, 2);
		put_s(g, "MB sample#memory_swap=0.00MB sample#memory_pgpgin=");
		put_u(g, rnd_range(g, 50000, 900000), 1);
		put_s(g, "pages sample#memory_pgpgout=");
		put_u(g, rnd_range(g, 20000, 400000), 1);
		put_s(g, "pages sample#memory_quota=512.00MB");
	}
	line_end(g, K_DYNO_METRICS);
}

/* Start a Heroku Postgres chunk: app[postgres.N]: [DATABASE] [seq-c] */
static void
pg_begin(struct gen *g, uint32_t pid, uint32_t seq, uint32_t chunk)
{
	line_begin(g, "app", "postgres", pid);
	put_s(g, "[DATABASE] [");
	put_u(g, seq, 1);
	put_c(g, '-');
	put_u(g, chunk, 1);
	put_s(g, "] ");
}

static void
emit_pg_noise(struct gen *g)
{
	uint32_t	b = rnd_below(g, GEN_PG_BACKENDS);

	pg_begin(g, g->pg_pid[b], ++g->pg_seq[b], 1);
	put_s(g, " sql_error_code = 00000 LOG:  ");
	if (rnd_pct(g, 40)) {
		put_s(g, "checkpoint complete: wrote ");
		put_u(g, rnd_range(g, 100, 9000), 1);
		put_s(g, " buffers (");
		put_fixed(g, rnd_range(g, 1, 300), 1);
		put_s(g, "%); 0 WAL file(s) added, 0 removed, ");
		put_u(g, rnd_range(g, 0, 4), 1);
		put_s(g, " recycled; write=");
		put_fixed(g, rnd_range(g, 1000, 270000), 3);
		put_s(g, " s");
	} else if (rnd_pct(g, 50)) {
		put_s(g, "automatic vacuum of table \"d8k2m4p6q9.public.");
		put_s(g, PICK(g, sql_tables));
		put_s(g, "\": index scans: 1");
	} else {
		put_s(g, "checkpoint starting: time");
	}
	line_end(g, K_PG_NOISE);
}

/* A refused connection is a fresh backend: its seq counter is 1. */
static void
emit_pg_53300(struct gen *g)
{
	pg_begin(g, g->pg_next_pid++, 1, 1);
	put_s(g, " sql_error_code = 53300 FATAL:  ");
	if (rnd_pct(g, 88)) {
		put_s(g, "too many connections for role \"");
		put_s(g, g->role[rnd_pct(g, 90) ? 0 : 1]);
		put_c(g, '"');
	} else {
		put_s(g, "sorry, too many clients already");
	}
	line_end(g, K_PG_53300);
}

/* A Django-ORM-style SELECT, optionally split at FROM into a second
 * `[seq-2]` chunk that starts with TAB (PostgreSQL's syslog writer
 * splits at newlines, formats.md §2.1). */
static void
emit_pg_slow(struct gen *g)
{
	uint32_t	b = rnd_below(g, GEN_PG_BACKENDS);
	uint32_t	seq = ++g->pg_seq[b], ms;
	const char	*t = PICK(g, sql_tables);
	int		split = rnd_pct(g, 30);

	/* log_min_duration_statement is 500 ms here: in calm times
	 * statements stay under the rules' 2 s, under lock contention
	 * most take longer. */
	if (g->incident && rnd_pct(g, 75))
		ms = rnd_range(g, 2000, 30000);
	else
		ms = rnd_range(g, 500, 1999);
	pg_begin(g, g->pg_pid[b], seq, 1);
	put_s(g, " sql_error_code = 00000 LOG:  duration: ");
	put_u(g, ms, 1);
	put_c(g, '.');
	put_u(g, rnd_below(g, 1000), 3);
	put_s(g, " ms  statement: SELECT \"");
	put_s(g, t);
	put_s(g, "\".\"id\", \"");
	put_s(g, t);
	put_s(g, "\".\"created_at\", \"");
	put_s(g, t);
	put_s(g, "\".\"status\"");
	if (split) {
		line_end(g, K_PG_SLOW);
		pg_begin(g, g->pg_pid[b], seq, 2);
		put_c(g, '\t');
	} else
		put_c(g, ' ');
	put_s(g, "FROM \"");
	put_s(g, t);
	put_s(g, "\" WHERE \"");
	put_s(g, t);
	put_s(g, "\".\"customer_id\" = ");
	put_u(g, rnd_range(g, 1000, 99999), 1);
	put_s(g, " ORDER BY \"");
	put_s(g, t);
	put_s(g, "\".\"created_at\" DESC LIMIT 21");
	line_end(g, split ? K_PG_CONT : K_PG_SLOW);
}

static void
emit_pg_metrics(struct gen *g)
{
	uint32_t	active, waiting;

	if (g->incident) {
		active = rnd_range(g, GEN_PG_CALM_CONN + 2, GEN_PG_MAX_CONN);
		waiting = rnd_range(g, 0, 4);
	} else {
		active = rnd_range(g, 2, GEN_PG_CALM_CONN);
		waiting = 0;
	}
	g->pg_xact += rnd_range(g, 100, 3000);
	line_begin(g, "app", "heroku-postgres", 0);
	put_s(g, "source=DATABASE addon=");
	put_s(g, g->addon);
	put_s(g, " sample#current_transaction=");
	put_u(g, g->pg_xact, 1);
	put_s(g, " sample#db_size=");
	put_u(g, 10311979679ULL + g->pg_xact * 8, 1);
	put_s(g, "bytes sample#tables=143 sample#active-connections=");
	put_u(g, active, 1);
	put_s(g, " sample#waiting-connections=");
	put_u(g, waiting, 1);
	put_s(g, " sample#index-cache-hit-rate=0.");
	put_u(g, rnd_range(g, 99000, 99999), 5);
	put_s(g, " sample#table-cache-hit-rate=0.");
	put_u(g, rnd_range(g, 95000, 99999), 5);
	put_s(g, " sample#load-avg-1m=");
	put_fixed(g, rnd_below(g, g->incident ? 4000 : 600), 3);
	put_s(g, " sample#load-avg-5m=");
	put_fixed(g, rnd_below(g, 500), 3);
	put_s(g, " sample#load-avg-15m=");
	put_fixed(g, rnd_below(g, 400), 3);
	put_s(g, " sample#read-iops=");
	put_fixed(g, rnd_below(g, 90000), 5);
	put_s(g, " sample#write-iops=");
	put_fixed(g, rnd_below(g, 90000), 5);
	put_s(g, " sample#tmp-disk-used=543600640"
	    " sample#tmp-disk-available=72435191808"
	    " sample#memory-total=8036340kB sample#memory-free=");
	put_u(g, rnd_range(g, 60000, 400000), 1);
	put_s(g, "kB sample#memory-cached=");
	put_u(g, rnd_range(g, 7000000, 7400000), 1);
	put_s(g, "kB sample#memory-postgres=");
	put_u(g, rnd_range(g, 20000, 90000), 1);
	put_s(g, "kB sample#wal-percentage-used=0.0");
	put_u(g, rnd_range(g, 100000, 999999), 6);
	line_end(g, K_PG_METRICS);
}

/* A short traceback, then the error line the rules look for (Heroku
 * sends each line of dyno output as its own log line). */
static void
emit_django_operr(struct gen *g)
{
	uint32_t	dyno = rnd_range(g, 1, GEN_WEB_DYNOS);

	line_begin(g, "app", "web", dyno);
	put_s(g, "Traceback (most recent call last):");
	line_end(g, K_TRACEBACK);
	tick_small(g);
	line_begin(g, "app", "web", dyno);
	put_s(g, "  File \"/app/.heroku/python/lib/python3.12/site-packages/"
	    "django/db/backends/base/base.py\", line 275, in "
	    "ensure_connection");
	line_end(g, K_TRACEBACK);
	tick_small(g);
	line_begin(g, "app", "web", dyno);
	put_s(g, "    self.connect()");
	line_end(g, K_TRACEBACK);
	tick_small(g);
	line_begin(g, "app", "web", dyno);
	put_s(g, "django.db.utils.OperationalError: connection to server "
	    "at \"");
	put_s(g, pg_host);
	put_s(g, "\" (");
	put_s(g, pg_ip);
	put_s(g, "), port 5432 failed: FATAL:  too many connections for "
	    "role \"");
	put_s(g, g->role[0]);
	put_c(g, '"');
	line_end(g, K_DJANGO_OPERR);
}

static void
emit_r14(struct gen *g)
{
	uint32_t	dyno = rnd_range(g, 1, GEN_WEB_DYNOS);
	uint32_t	mb = rnd_range(g, 520, 1300);

	line_begin(g, "heroku", "web", dyno);
	put_s(g, "Process running mem=");
	put_u(g, mb, 1);
	put_s(g, "M(");
	put_fixed(g, (uint64_t)mb * 1000 / 512, 1);
	put_s(g, "%)");
	line_end(g, K_R14_PRE);
	tick_small(g);
	line_begin(g, "heroku", "web", dyno);
	put_s(g, "Error R14 (Memory quota exceeded)");
	line_end(g, K_R14);
}

static void
emit_l10(struct gen *g)
{
	line_begin(g, "heroku", "logplex", 0);
	put_s(g, "Error L10 (output buffer overflow): drain '");
	put_s(g, g->drain);
	put_s(g, "' dropped ");
	put_u(g, rnd_range(g, 1, 2000), 1);
	put_s(g, " messages");
	line_end(g, K_L10);
}

static void
emit_state(struct gen *g)
{
	uint32_t	dyno = rnd_range(g, 1, GEN_WEB_DYNOS);

	line_begin(g, "heroku", "web", dyno);
	put_s(g, "State changed from up to crashed");
	line_end(g, K_STATE);
	tick_small(g);
	line_begin(g, "heroku", "web", dyno);
	put_s(g, "State changed from crashed to starting");
	line_end(g, K_STATE);
}

/* ---- driver ------------------------------------------------------------ */

static enum kind
pick_kind(struct gen *g)
{
	uint32_t	r = rnd_below(g, GEN_WEIGHT_TOTAL), acc = 0;
	size_t		i;

	for (i = 0; i < DW_NELEM(weights); i++) {
		acc += g->incident ? weights[i].incident : weights[i].calm;
		if (r < acc)
			return weights[i].kind;
	}
	return K_ROUTER;
}

static void
gen_init(struct gen *g, uint64_t seed, uint64_t maxlines, uint64_t block,
    FILE *out)
{
	static const char	alnum[] =
	    "abcdefghijklmnopqrstuvwxyz0123456789";
	uint64_t		x = seed;
	int			i, j;

	memset(g, 0, sizeof(*g));
	for (i = 0; i < 4; i++)
		g->s[i] = splitmix64(&x);
	g->out = out;
	g->maxlines = maxlines;
	g->block_lines = block;
	g->t_us = GEN_START_S * 1000000;
	for (i = 0; i < GEN_PG_BACKENDS; i++) {
		g->pg_pid[i] = rnd_range(g, 100000, 999999);
		g->pg_seq[i] = rnd_range(g, 1, 400);
	}
	g->pg_next_pid = 1000000 + rnd_below(g, 100000);
	g->pg_xact = 15365000 + rnd_below(g, 1000000);
	g->ip_salt = rnd(g);
	/* Heroku role names: "u" and 13 lower-case alphanumerics. */
	for (i = 0; i < 2; i++) {
		g->role[i][0] = 'u';
		for (j = 1; j < 14; j++)
			g->role[i][j] = alnum[rnd_below(g, 36)];
		g->role[i][14] = '\0';
	}
	memcpy(g->addon, "postgresql-curved-", 18);
	for (j = 18; j < 23; j++)
		g->addon[j] = (char)('0' + rnd_below(g, 10));
	g->addon[23] = '\0';
	g->len = 0;
	put_s(g, "d.");
	put_uuid(g);
	memcpy(g->drain, g->line, g->len);
	g->drain[g->len] = '\0';
	for (i = 0; i < GEN_WEB_DYNOS; i++) {
		g->len = 0;
		put_uuid(g);
		memcpy(g->dyno_id[i], g->line, g->len);
		g->dyno_id[i][g->len] = '\0';
	}
	g->len = 0;
}

static void
gen_run(struct gen *g)
{
	enum kind	k;
	uint64_t	block = UINT64_MAX;
	uint32_t	start = 0, b;

	while (g->nlines < g->maxlines) {
		if (g->nlines / g->block_lines != block) {
			block = g->nlines / g->block_lines;
			b = (uint32_t)(block % GEN_EPISODE_BLOCKS);
			if (b == 0)
				start = 3 + rnd_below(g, 4);
			g->incident = b >= start &&
			    b < start + GEN_INCIDENT_BLOCKS;
		}
		g->t_us += rnd_range(g, 1, 2 * GEN_GAP_MEAN_US - 1);
		k = pick_kind(g);
		switch (k) {
		case K_GUNICORN:
			emit_gunicorn(g);
			break;
		case K_DJANGO:
			emit_django(g);
			break;
		case K_WORKER:
			emit_worker(g);
			break;
		case K_DYNO_METRICS:
			emit_dyno_metrics(g);
			break;
		case K_PG_NOISE:
			emit_pg_noise(g);
			break;
		case K_STATE:
			emit_state(g);
			break;
		case K_PG_53300:
			emit_pg_53300(g);
			break;
		case K_PG_SLOW:
			emit_pg_slow(g);
			break;
		case K_PG_METRICS:
			emit_pg_metrics(g);
			break;
		case K_H12:
		case K_H13:
		case K_H10:
			emit_router_error(g, k);
			break;
		case K_DJANGO_OPERR:
			emit_django_operr(g);
			break;
		case K_R14:
			emit_r14(g);
			break;
		case K_L10:
			emit_l10(g);
			break;
		default:
			emit_router(g);
			break;
		}
	}
}

/* Per-kind line counts, for checking a corpus against rule hits. */
static void
gen_report(const struct gen *g, FILE *fp)
{
	uint64_t	relevant = 0;
	int		k;

	for (k = 0; k < K_COUNT; k++) {
		fprintf(fp, "%-20s %10llu\n", kind_names[k],
		    (unsigned long long)g->counts[k]);
		if (k >= K_FIRST_RELEVANT)
			relevant += g->counts[k];
	}
	fprintf(fp, "%-20s %10llu\n%-20s %10llu\n%-20s %10llu (%.2f%%)\n"
	    "%-20s %10.1f\n",
	    "lines", (unsigned long long)g->nlines,
	    "bytes", (unsigned long long)g->nbytes,
	    "relevant", (unsigned long long)relevant,
	    g->nlines ? 100.0 * (double)relevant / (double)g->nlines : 0.0,
	    "bytes_per_line",
	    g->nlines ? (double)g->nbytes / (double)g->nlines : 0.0);
}

static int
parse_u64(const char *s, uint64_t *v)
{
	char			*end;
	unsigned long long	 x;

	errno = 0;
	x = strtoull(s, &end, 0);
	if (errno != 0 || end == s || *end != '\0' || *s == '-')
		return -1;
	*v = x;
	return 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: gencorpus [-n LINES] [-s SEED] "
	    "[-b BLOCK_LINES] [-v] > file\n"
	    "  -n LINES        lines to write (default %llu)\n"
	    "  -s SEED         PRNG seed (default %llu); same seed, same "
	    "bytes\n"
	    "  -b BLOCK_LINES  lines per calm/incident block (default %d);\n"
	    "                  smaller puts incidents into short corpora\n"
	    "  -v              per-kind line counts on stderr\n",
	    GEN_LINES_DEFAULT, GEN_SEED_DEFAULT, GEN_BLOCK_LINES);
	exit(2);
}

int
main(int argc, char **argv)
{
	static struct gen	 g;
	static char		 outbuf[GEN_OUTBUF_BYTES];
	uint64_t		 lines = GEN_LINES_DEFAULT;
	uint64_t		 seed = GEN_SEED_DEFAULT;
	uint64_t		 block = GEN_BLOCK_LINES;
	int			 ch, verbose = 0;

	while ((ch = getopt(argc, argv, "n:s:b:vh")) != -1) {
		switch (ch) {
		case 'b':
			if (parse_u64(optarg, &block) == -1 || block == 0)
				usage();
			break;
		case 'n':
			if (parse_u64(optarg, &lines) == -1)
				usage();
			break;
		case 's':
			if (parse_u64(optarg, &seed) == -1)
				usage();
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	gen_init(&g, seed, lines, block, stdout);
	gen_run(&g);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "gencorpus: write error: %s\n",
		    strerror(errno));
		return 1;
	}
	if (verbose)
		gen_report(&g, stderr);
	return 0;
}
