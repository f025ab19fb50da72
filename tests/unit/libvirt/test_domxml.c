/* links: src/libvirt/domxml.c src/libvirt/netxml.c src/config/model.c */
/* libvirt's XML → interfaces: what each part of a domain or network says. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lv.h"

static const char domain[] =
"<domain type='kvm'><name>db</name>"
"<uuid>11111111-2222-3333-4444-000000000001</uuid><devices>"
/* kept: a bridge port with nwfilter addresses, one given twice */
"<interface type='bridge'><mac address='52:54:00:AA:00:01'/>"
"<source bridge='br0'/><target dev='vm-db'/>"
"<filterref filter='clean-traffic'>"
"<parameter name='IP' value='192.168.122.31'/>"
"<parameter name='IP' value='192.168.122.31'/>"
"<parameter name='IP' value='not-an-address'/>"
"<parameter name='IPV6' value='fd00:122::31'/>"
"<parameter name='CTRL_IP_LEARNING' value='none'/>"
"</filterref></interface>"
/* kept: a network's, resolved by the callback */
"<interface type='network'><mac address='52:54:00:aa:00:02'/>"
"<source network='guests'/><target dev='vnet7'/></interface>"
/* skipped: macvtap, no tap name, a network nobody knows */
"<interface type='direct'><mac address='52:54:00:aa:00:03'/>"
"<source dev='eth0' mode='bridge'/><target dev='macvtap0'/></interface>"
"<interface type='bridge'><mac address='52:54:00:aa:00:04'/>"
"<source bridge='br0'/></interface>"
"<interface type='network'><mac address='52:54:00:aa:00:05'/>"
"<source network='gone'/><target dev='vnet8'/></interface>"
"</devices></domain>";

/* The persistent definition names vm-db's tap, not vnet7's. */
static const char inactive[] =
"<domain type='kvm'><name>db</name><devices>"
"<interface type='bridge'><mac address='52:54:00:aa:00:01'/>"
"<source bridge='br0'/><target dev='vm-db'/></interface>"
"<interface type='network'><mac address='52:54:00:aa:00:02'/>"
"<source network='guests'/></interface>"
"</devices></domain>";

static const char network[] =
"<network><name>guests</name><bridge name='lvbr1'/>"
"<ip address='192.168.150.1' netmask='255.255.255.0'><dhcp>"
"<host mac='52:54:00:AA:00:02' name='db' ip='192.168.150.12'/>"
"<host mac='52:54:00:aa:00:09' name='other' ip='192.168.150.19'/>"
"</dhcp></ip>"
"<ip family='ipv6' address='fd00:150::1' prefix='64'><dhcp>"
"<host name='db' ip='fd00:150::12'/><host name='other' ip='fd00:150::19'/>"
"</dhcp></ip></network>";

static int
resolve(void *arg, struct lv_iface *i)
{
	(void)arg;
	if (strcmp(i->network, "guests") != 0)
		return 1;
	return lv_parse_network(network, i);
}

static void
assert_ip4(const struct in_addr *a, const char *want)
{
	char buf[INET_ADDRSTRLEN];

	assert_string_equal(inet_ntop(AF_INET, a, buf, sizeof(buf)), want);
}

static void
assert_ip6(const struct in6_addr *a, const char *want)
{
	char buf[INET6_ADDRSTRLEN];

	assert_string_equal(inet_ntop(AF_INET6, a, buf, sizeof(buf)), want);
}

static void
test_domain(void **state)
{
	struct lv_list l = { 0 };
	const struct lv_iface *db, *web;
	char mac[18];

	(void)state;
	assert_int_equal(lv_parse_domain(domain, inactive, resolve, NULL, &l),
	    0);
	assert_int_equal(l.n, 2);
	db = &l.v[0];
	web = &l.v[1];
	assert_string_equal(db->domain, "db");
	assert_string_equal(db->uuid, "11111111-2222-3333-4444-000000000001");
	assert_string_equal(db->bridge, "br0");
	assert_string_equal(db->tap, "vm-db");
	assert_string_equal(mac_format(db->mac, mac), "52:54:00:aa:00:01");
	assert_string_equal(db->filter, "clean-traffic");
	assert_true(db->stable_name);
	assert_int_equal(db->n_ip4, 1);
	assert_ip4(&db->ip4[0], "192.168.122.31");
	assert_int_equal(db->n_ip6, 1);
	assert_ip6(&db->ip6[0], "fd00:122::31");

	assert_string_equal(web->network, "guests");
	assert_string_equal(web->bridge, "lvbr1");
	assert_string_equal(web->tap, "vnet7");
	assert_false(web->stable_name);
	assert_string_equal(web->filter, "");
	assert_int_equal(web->n_ip4, 1);
	assert_ip4(&web->ip4[0], "192.168.150.12");
	assert_int_equal(web->n_ip6, 1);
	assert_ip6(&web->ip6[0], "fd00:150::12");
	lv_list_clear(&l);
}

/* Without a persistent definition (a transient domain) no name lasts. */
static void
test_transient(void **state)
{
	struct lv_list l = { 0 };

	(void)state;
	assert_int_equal(lv_parse_domain(domain, NULL, NULL, NULL, &l), 0);
	assert_int_equal(l.n, 1);		/* networks unresolved: left out */
	assert_false(l.v[0].stable_name);
	lv_list_clear(&l);
}

static void
test_not_xml(void **state)
{
	struct lv_list l = { 0 };
	struct lv_iface i;

	(void)state;
	errno = 0;
	assert_int_equal(lv_parse_domain("<domain><devices>", NULL, NULL, NULL,
	    &l), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(l.n, 0);
	memset(&i, 0, sizeof(i));
	assert_int_equal(lv_parse_network("not xml", &i), -1);
	lv_list_clear(&l);
}

static void
test_generated_names(void **state)
{
	(void)state;
	assert_true(lv_generated_name("vnet0"));
	assert_true(lv_generated_name("vnet123"));
	assert_true(lv_generated_name("macvtap2"));
	assert_false(lv_generated_name("vnet"));
	assert_false(lv_generated_name("vnet-db"));
	assert_false(lv_generated_name("vm-db"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_domain),
		cmocka_unit_test(test_transient),
		cmocka_unit_test(test_not_xml),
		cmocka_unit_test(test_generated_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
