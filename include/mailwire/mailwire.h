/**
 * \file mailwire.h
 * \brief Umbrella header: includes every public header of this build.
 */
#ifndef MAILWIRE_MAILWIRE_H
#define MAILWIRE_MAILWIRE_H

#include "mailwire/config.h"
#include "mailwire/core.h"
#include "mailwire/hash.h"
#include "mailwire/stream.h"
#include "mailwire/version.h"

#if MW_HAVE_MSG
#include "mailwire/build.h"
#include "mailwire/mime.h"
#include "mailwire/msg.h"
#include "mailwire/msgtree.h"
#endif
#if MW_HAVE_SMTP || MW_HAVE_POP3 || MW_HAVE_IMAP
#include "mailwire/sasl.h"
#endif
#if MW_HAVE_SMTP
#include "mailwire/smtp.h"
#include "mailwire/smtp_client.h"
#include "mailwire/smtp_server.h"
#endif

#if MW_HAVE_POP3
#include "mailwire/pop3.h"
#endif
#if MW_HAVE_IMAP
#include "mailwire/imap.h"
#include "mailwire/imap_search.h"
#include "mailwire/imap_cmd.h"
#endif
#if MW_HAVE_NET
#include "mailwire/net.h"
#if MW_HAVE_SMTP
#include "mailwire/net_send.h"
#endif
#endif

#endif /* MAILWIRE_MAILWIRE_H */
