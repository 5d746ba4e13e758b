#include "mailwire/version.h"

const char *mw_version(void)
{
    return MW_VERSION_STRING;
}

uint32_t mw_version_number(void)
{
    return (uint32_t)MW_VERSION_NUMBER;
}
