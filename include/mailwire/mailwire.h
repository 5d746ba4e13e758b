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

#endif /* MAILWIRE_MAILWIRE_H */
