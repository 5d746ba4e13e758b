/* A firmware-style user of the sans-IO core: fixed buffers, no heap. It is
 * only linked (not run) by tools/cross.sh to prove the core needs nothing
 * from libc beyond what newlib-nano provides. */
#include "mailwire/mailwire.h"

static char out_mem[256];

int main(void)
{
    static const char alert[] = "Temperature sensor 3: 81.5 C, over limit";
    mw_buf out;
    mw_buf_init_fixed(&out, out_mem, sizeof(out_mem));
    mw_b64_encoder enc;
    mw_b64_encoder_init(&enc, MW_B64_WRAP76);
    if (mw_b64_encode_update(&enc, alert, sizeof(alert) - 1, &out) != MW_OK)
        return 1;
    if (mw_b64_encode_final(&enc, &out) != MW_OK)
        return 1;
    mw_utf8_validator v;
    mw_utf8_validator_init(&v);
    if (mw_utf8_validate_update(&v, out.data, out.len) != MW_OK)
        return 2;
    return (int)out.len;
}
