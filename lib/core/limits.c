#include <string.h>

#include "mw_int.h"

/* The defaults, and what each protects, are listed in SECURITY.md. */
void mw_limits_default(mw_limits *limits)
{
    memset(limits, 0, sizeof(*limits));
    limits->size = (uint32_t)sizeof(*limits);
    limits->line_max = 1000 + 1024;
    limits->header_line_max = 64 * 1024;
    limits->header_count_max = 1000;
    limits->header_bytes_max = 1024 * 1024;
    limits->mime_depth_max = 50;
    limits->mime_parts_max = 10000;
    limits->boundary_max = 200;
    limits->imap_depth_max = 50;
    limits->literal_max = 64ull * 1024 * 1024;
    limits->output_max = 16ull * 1024 * 1024;
    limits->inflight_max = 100;
    limits->recipients_max = 1000;
}

#define MWI_LIMIT_OR_DEFAULT(field)                                            \
    do {                                                                       \
        if (offsetof(mw_limits, field) + sizeof(out->field) <= known &&        \
            copy.field != 0)                                                   \
            out->field = copy.field;                                           \
    } while (0)

void mw_limits_resolve(const mw_limits *in, mw_limits *out)
{
    mw_limits copy;
    memset(&copy, 0, sizeof(copy));
    size_t known = 0;
    if (in && in->size >= sizeof(uint32_t)) {
        known = in->size < sizeof(copy) ? in->size : sizeof(copy);
        memcpy(&copy, in, known);
    }
    mw_limits_default(out);
    MWI_LIMIT_OR_DEFAULT(line_max);
    MWI_LIMIT_OR_DEFAULT(header_line_max);
    MWI_LIMIT_OR_DEFAULT(header_count_max);
    MWI_LIMIT_OR_DEFAULT(header_bytes_max);
    MWI_LIMIT_OR_DEFAULT(mime_depth_max);
    MWI_LIMIT_OR_DEFAULT(mime_parts_max);
    MWI_LIMIT_OR_DEFAULT(boundary_max);
    MWI_LIMIT_OR_DEFAULT(imap_depth_max);
    MWI_LIMIT_OR_DEFAULT(literal_max);
    MWI_LIMIT_OR_DEFAULT(output_max);
    MWI_LIMIT_OR_DEFAULT(inflight_max);
    MWI_LIMIT_OR_DEFAULT(recipients_max);
}
