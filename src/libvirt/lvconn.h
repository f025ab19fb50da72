/* What the files of src/libvirt share about a connection. */
#ifndef BG_LVCONN_H
#define BG_LVCONN_H

#include <libvirt/libvirt.h>
#include <stddef.h>

struct lv_conn {
	virConnectPtr	 conn;
	char		 uri[256];
};

/* err = "libvirt: what: libvirt's last error"; resets it. */
void	lv_err(char *err, size_t errlen, const char *what);

#endif
