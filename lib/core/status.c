#include "mailwire/core.h"

/* The enum in core.h and the table must agree value for value. */
#define MW_STATUS_CHECK_(name, value, text)                                    \
    _Static_assert(name == (value), #name " differs from MW_STATUS_MAP");
MW_STATUS_MAP(MW_STATUS_CHECK_)
#undef MW_STATUS_CHECK_

const char *mw_strerror(int status)
{
    switch (status) {
#define MW_STATUS_TEXT_(name, value, text)                                     \
    case value:                                                                \
        return text;
        MW_STATUS_MAP(MW_STATUS_TEXT_)
#undef MW_STATUS_TEXT_
    default:
        return "unknown status";
    }
}

const char *mw_status_name(int status)
{
    switch (status) {
#define MW_STATUS_NAME_(name, value, text)                                     \
    case value:                                                                \
        return #name;
        MW_STATUS_MAP(MW_STATUS_NAME_)
#undef MW_STATUS_NAME_
    default:
        return "MW_UNKNOWN";
    }
}

int mw_status_is_fatal(int status)
{
    switch (status) {
    case MW_E_SYNTAX:
    case MW_E_LIMIT:
    case MW_E_NOMEM:
    case MW_E_IO:
    case MW_E_TLS:
    case MW_E_CLOSED:
    case MW_E_TIMEOUT:
    case MW_E_INTERNAL:
        return 1;
    default:
        return 0;
    }
}
