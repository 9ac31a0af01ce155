/*
 * logplex_vectors.h - the logplex frames of formats.md §1.10 (T1-T14),
 * byte for byte, shared by tests/test_parse_logplex.c and the fuzzer's
 * seed corpus (tests/fuzz/fuzz_logplex.c).
 *
 * Each entry is one frame's message (what follows "MSG-LEN SP") and the
 * MSG-LEN the source printed. For all but T13 that count equals the
 * byte length (T6 holds a two-byte UTF-8 "µ"; T10a, T11 and T13 have no
 * trailing LF). T13's printed count is 4 too large (the document was
 * edited): it is the bad-length vector. Sources: see formats.md §1.10.
 */
#ifndef DW_TEST_LOGPLEX_VECTORS_H
#define DW_TEST_LOGPLEX_VECTORS_H

#include <stddef.h>

struct logplex_vector {
	const char	*name;
	size_t		 declared;	/* MSG-LEN as printed by the source */
	size_t		 len;		/* real byte length of msg */
	const char	*msg;
};

static const struct logplex_vector logplex_vectors[] = {
	{ "T1", 70, 70,
	    "<174>1 2012-07-22T00:06:26+00:00 host erlang console - Hi from "
	    "erlang\n" },
	{ "T2", 83, 83,
	    "<40>1 2012-11-30T06:45:29+00:00 host app web.3 - State changed "
	    "from starting to up\n" },
	{ "T3", 119, 119,
	    "<40>1 2012-11-30T06:45:26+00:00 host app web.3 - Starting proce"
	    "ss with command `bundle exec rackup config.ru -p 24405`\n" },
	{ "T4", 267, 267,
	    "<158>1 2020-01-08T22:33:57.353034+00:00 host heroku router - at"
	    "=info method=GET path=\"/cart_link\" host=lumberjack-store.timb"
	    "er.io request_id=05726858-c44e-4f94-9a20-37df73be9006 fwd=\"73."
	    "75.38.87\" dyno=web.1 connect=1ms service=22ms status=304 bytes"
	    "=656 protocol=http\n" },
	{ "T5", 270, 270,
	    "<158>1 2022-06-13T14:52:23.622778+00:00 host heroku router - at"
	    "=info method=GET path=\"/\" host=cryptic-cliffs-27764.herokuapp"
	    ".com request_id=59da6323-2bc4-4143-8677-cc66ccfb115f fwd=\"181."
	    "167.87.140\" dyno=web.1 connect=0ms service=3ms status=200 byte"
	    "s=6979 protocol=https\n" },
	{ "T6", 156, 156,
	    "<190>1 2022-06-13T14:52:23.827271+00:00 host app web.1 - [GIN] "
	    "2022/06/13 - 14:52:23 | 200 |      163.92\xc2""\xb5""s |  181.1"
	    "67.87.140 | GET      \"/static/main.css\"\n" },
	{ "T7", 688, 688,
	    "<134>1 2023-06-05T19:27:18+00:00 host app heroku-postgres - sou"
	    "rce=HEROKU_POSTGRESQL_YELLOW addon=postgresql-reticulated-12345"
	    " sample#current_transaction=19028263 sample#db_size=10311979679"
	    "bytes sample#tables=1443 sample#active-connections=11 sample#wa"
	    "iting-connections=0 sample#index-cache-hit-rate=0.99814 sample#"
	    "table-cache-hit-rate=0.96729 sample#load-avg-1m=0 sample#load-a"
	    "vg-5m=0 sample#load-avg-15m=0 sample#read-iops=0 sample#write-i"
	    "ops=0.21311 sample#tmp-disk-used=543600640 sample#tmp-disk-avai"
	    "lable=72435191808 sample#memory-total=8036340kB sample#memory-f"
	    "ree=80640kB sample#memory-cached=7319340kB sample#memory-postgr"
	    "es=23380kB sample#wal-percentage-used=0.06427136779541504\n" },
	{ "T8a", 451, 451,
	    "<134>1 2023-06-05T19:33:14+00:00 host app postgres.1105947 - [Y"
	    "ELLOW] [12-1]  sql_error_code = 00000 time_ms = \"2023-06-05 19"
	    ":33:14.793 UTC\" pid=\"1991397\" proc_start_time=\"2023-06-05 1"
	    "9:33:12 UTC\" session_id=\"647e3878.1e62e5\" vtid=\"2/0\" tid=\""
	    "0\" log_line=\"3\" database=\"databasedataba\" connection_sourc"
	    "e=\"11.222.333.444(12345)\" user=\"useruseruserus\" application"
	    "_name=\"pganalyze_test_run\" LOG:  duration: 2405.887 ms  state"
	    "ment: WITH naptime(value) AS (\n" },
	{ "T8b", 85, 85,
	    "<134>1 2023-06-05T19:33:14+00:00 host app postgres.1105947 - [Y"
	    "ELLOW] [12-2] \tSELECT\n" },
	{ "T9", 408, 408,
	    "<134>1 2023-06-05T19:35:51+00:00 host app heroku-redis - source"
	    "=REDIS addon=redis-closed-12345 sample#active-connections=1 sam"
	    "ple#load-avg-1m=0.145 sample#load-avg-5m=0.145 sample#load-avg-"
	    "15m=0.155 sample#read-iops=0 sample#write-iops=0 sample#memory-"
	    "total=16082928kB sample#memory-free=11453204kB sample#memory-ca"
	    "ched=2528244kB sample#memory-redis=460192bytes sample#hit-rate="
	    "0.92675 sample#evicted-keys=0\n" },
	{ "T10a", 142, 142,
	    "<172>1 2014-11-11T08:24:25+00:00 host heroku logplex - Error L1"
	    "0 (output buffer overflow): 1 messages dropped since 2014-11-07"
	    "T23:29:45+00:00." },
	{ "T10b", 93, 93,
	    "<45>1 2014-11-11T08:24:24.064853+00:00 host heroku web.1 - Stat"
	    "e changed from starting to up\n" },
	{ "T11", 530, 530,
	    "<134>1 2016-02-13T21:20:25+00:00 host app heroku-postgres - sou"
	    "rce=DATABASE sample#current_transaction=15365 sample#db_size=43"
	    "47350804bytes sample#tables=43 sample#active-connections=6 samp"
	    "le#waiting-connections=0 sample#index-cache-hit-rate=0.97116 sa"
	    "mple#table-cache-hit-rate=0.73958 sample#load-avg-1m=0.05 sampl"
	    "e#load-avg-5m=0.03 sample#load-avg-15m=0.035 sample#read-iops=0"
	    " sample#write-iops=112.73 sample#memory-total=15405636.0kB samp"
	    "le#memory-free=214004kB sample#memory-cached=14392920.0kB sampl"
	    "e#memory-postgres=181644kB" },
	{ "T12", 335, 335,
	    "<134>1 2023-08-24T10:28:47.153192+00:00 host heroku web.1 - sou"
	    "rce=web.1 dyno=heroku.322071457.63c5abfd-838b-4e2d-bce1-ce46de2"
	    "80675 sample#memory_total=180.43MB sample#memory_rss=180.05MB s"
	    "ample#memory_cache=0.38MB sample#memory_swap=0.00MB sample#memo"
	    "ry_pgpgin=84329pages sample#memory_pgpgout=38140pages sample#me"
	    "mory_quota=512.00MB\n" },
	{ "T13", 205, 201,
	    "<134>1 2023-08-24T12:31:50.112+00:00 host heroku web.1 - source"
	    "=web.1 dyno=heroku.319324155.67cc34d0-0440-4106-97b6-d9486f7d90"
	    "09 sample#load_avg_1m=0.00 sample#load_avg_5m=0.00 sample#load_"
	    "avg_15m=0.01" },
	{ "T14a", 66, 66,
	    "<174>1 2012-07-22T00:06:26-00:00 somehost Go console - Hi from "
	    "Go\n" },
	{ "T14b", 67, 67,
	    "<174>1 2013-07-22T00:06:26-00:00 somehost Go console 10 Hi from"
	    " Py\n" },
};

#endif /* DW_TEST_LOGPLEX_VECTORS_H */
