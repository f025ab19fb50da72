/* Running domains → their bridged interfaces, networks resolved. */
#include <errno.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lv.h"
#include "lvconn.h"

/* lv_net_fn: the network's bridge and DHCP hosts; 1 if it is unknown. */
static int
resolve_net(void *arg, struct lv_iface *i)
{
	struct lv_conn *c = arg;
	virNetworkPtr net;
	char *xml = NULL;
	int rc = 1;

	if ((net = virNetworkLookupByName(c->conn, i->network)) == NULL) {
		virResetLastError();
		return 1;
	}
	if ((xml = virNetworkGetXMLDesc(net, 0)) != NULL &&
	    lv_parse_network(xml, i) == 0 && i->bridge[0])
		rc = 0;
	virResetLastError();
	free(xml);
	virNetworkFree(net);
	return rc;
}

static int
domain_ifaces(struct lv_conn *c, virDomainPtr d, struct lv_list *l,
    char *err, size_t errlen)
{
	char *xml, *pxml = NULL, what[128];
	int rc;

	if ((xml = virDomainGetXMLDesc(d, 0)) == NULL) {
		snprintf(what, sizeof(what), "reading domain %s",
		    virDomainGetName(d));
		lv_err(err, errlen, what);
		return -1;
	}
	if (virDomainIsPersistent(d) == 1)
		pxml = virDomainGetXMLDesc(d, VIR_DOMAIN_XML_INACTIVE);
	virResetLastError();
	if ((rc = lv_parse_domain(xml, pxml, resolve_net, c, l)) == -1)
		snprintf(err, errlen, "libvirt: domain %s: %s",
		    virDomainGetName(d), errno == EINVAL ?
		    "its XML does not parse" : strerror(errno));
	free(pxml);
	free(xml);
	return rc;
}

int
lv_interfaces(struct lv_conn *c, struct lv_list *l, char *err,
    size_t errlen)
{
	virDomainPtr *doms = NULL;
	int n, k, rc = 0;

	n = virConnectListAllDomains(c->conn, &doms,
	    VIR_CONNECT_LIST_DOMAINS_ACTIVE);
	if (n < 0) {
		lv_err(err, errlen, "listing the running domains");
		return -1;
	}
	for (k = 0; k < n; k++) {
		if (rc == 0 && domain_ifaces(c, doms[k], l, err, errlen) == -1)
			rc = -1;
		virDomainFree(doms[k]);
	}
	free(doms);
	return rc;
}

int
lv_domain_interfaces(struct lv_conn *c, const char *uuid, struct lv_list *l,
    char *err, size_t errlen)
{
	virDomainPtr d;
	int rc = 0;

	if ((d = virDomainLookupByUUIDString(c->conn, uuid)) == NULL) {
		virResetLastError();
		return 0;
	}
	if (virDomainIsActive(d) == 1)
		rc = domain_ifaces(c, d, l, err, errlen);
	virResetLastError();
	virDomainFree(d);
	return rc;
}
