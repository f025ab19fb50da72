/* links: src/daemon/events.c src/config/model.c */
/*
 * Event formatting: RFC 3339 timestamps with microseconds, field order,
 * and lines that stay one valid JSON line whatever bytes a name holds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"

static void
test_timestamp(void **state)
{
	struct timespec ts = { 1763898301, 123456789 };
	char buf[40];

	(void)state;
	assert_int_equal(ev_timestamp(buf, sizeof(buf), &ts), 0);
	assert_string_equal(buf, "2025-11-23T11:45:01.123456Z");
	ts.tv_nsec = 999;
	assert_int_equal(ev_timestamp(buf, sizeof(buf), &ts), 0);
	assert_string_equal(buf, "2025-11-23T11:45:01.000000Z");
	assert_int_equal(ev_timestamp(buf, 10, &ts), -1);
}

static void
test_format(void **state)
{
	struct timespec ts = { 1763898301, 5000 };
	uint8_t mac[6] = { 0x52, 0x54, 0, 0, 0, 0x33 };
	struct in_addr a = { htonl(0xc0a87a63) };
	struct event *e = event_new(EV_SPOOF_DROP, SEV_WARNING);
	char *line;

	(void)state;
	ev_str(e, "bridge", "br0");
	ev_str(e, "port", "vnic-eve");
	ev_str(e, "empty", "");
	ev_str(e, "none", NULL);
	ev_int(e, "count", 12);
	ev_bool(e, "tagged", true);
	ev_mac(e, "src_mac", mac);
	ev_ip(e, "src_ip", AF_INET, &a);
	ev_msg(e, "%d frames", 12);
	line = event_format(e, &ts, 7);
	assert_non_null(line);
	assert_string_equal(line, "{\"time\":\"2025-11-23T11:45:01.000005Z\","
	    "\"seq\":7,\"type\":\"spoof_drop\",\"severity\":\"warning\","
	    "\"bridge\":\"br0\",\"port\":\"vnic-eve\",\"count\":12,"
	    "\"tagged\":true,\"src_mac\":\"52:54:00:00:00:33\","
	    "\"src_ip\":\"192.168.122.99\",\"message\":\"12 frames\"}\n");
	free(line);
	event_free(e);
}

/* A name with quotes, control bytes and invalid UTF-8 stays one line. */
static void
test_hostile_names(void **state)
{
	struct timespec ts = { 0, 0 };
	struct event *e = event_new(EV_PORT_JOIN, SEV_INFO);
	json_t *o;
	char *line;

	(void)state;
	ev_str(e, "port", "a\"b\n\xff\x01");
	ev_msg(e, "joined: %s", "x\ny\xc3");
	line = event_format(e, &ts, 1);
	assert_non_null(line);
	assert_ptr_equal(strchr(line, '\n'), line + strlen(line) - 1);
	o = json_loads(line, 0, NULL);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "port")),
	    "a\"b\\x0a\\xff\\x01");
	assert_string_equal(json_string_value(json_object_get(o, "message")),
	    "joined: x\\x0ay\\xc3");
	json_decref(o);
	free(line);
	event_free(e);
}

static void
test_names(void **state)
{
	struct event *e = event_new(EV_PROMISC, SEV_INFO);
	int t;

	(void)state;
	for (t = 0; t < EV_NTYPES; t++)
		assert_non_null(ev_type_names[t]);
	assert_string_equal(ev_type_names[EV_HOST_NEIGH_CHANGE],
	    "host_neigh_change");
	assert_int_equal(event_type(e), EV_PROMISC);
	assert_int_equal(event_severity(e), SEV_INFO);
	event_free(e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timestamp),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_hostile_names),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
