/* Private pieces shared by the typed command decoder and writer
 * (imap_cmd_decode.c, imap_cmd_encode.c). Not installed. */
#ifndef MW_IMAP_CMD_INT_H
#define MW_IMAP_CMD_INT_H

#include <stdint.h>

#include "mailwire/core.h"

/* Canonical names indexed by mw_imap_status_att, mw_imap_return_att and
 * mw_imap_sort_att; index 0 (UNKNOWN) is "". */
#define MWI_IMAP_STATUS_COUNT 11u
#define MWI_IMAP_RETURN_COUNT 6u
#define MWI_IMAP_SORT_COUNT 10u
extern const char *const mwi_imap_status_names[MWI_IMAP_STATUS_COUNT];
extern const char *const mwi_imap_return_names[MWI_IMAP_RETURN_COUNT];
extern const char *const mwi_imap_sort_names[MWI_IMAP_SORT_COUNT];

/* The enum value a name spells (ASCII case-insensitive), 0 if none. */
uint32_t mwi_imap_status_att_of(mw_span s);
uint32_t mwi_imap_return_att_of(mw_span s);
uint32_t mwi_imap_sort_att_of(mw_span s);

/* Whether the UID prefix may precede a command of this type. */
int mwi_imap_cmd_uid_allowed(uint32_t type);

#endif /* MW_IMAP_CMD_INT_H */
