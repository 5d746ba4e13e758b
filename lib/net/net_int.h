/* Private helpers of lib/net (the only layer allowed to touch the OS). */
#ifndef MW_NET_INT_H
#define MW_NET_INT_H

#include "mailwire/net.h"

/* Switch \p fd to non-blocking, close-on-exec mode; 0 or -1 (errno). */
int mwi_net_prepare_fd(int fd);

/* Fill \p err (may be NULL) with a failed step and its codes. */
void mwi_net_set_error(mw_net_error *err, const char *step, int sys_errno,
                       int gai_error);

#endif /* MW_NET_INT_H */
