/* A program outside the project that uses the installed mailwire. */
#include <mailwire/mailwire.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
    char mem[64];
    mw_buf out;
    mw_buf_init_fixed(&out, mem, sizeof(mem));
    mw_b64_encoder enc;
    mw_b64_encoder_init(&enc, 0);
    if (mw_b64_encode_update(&enc, "mailwire", 8, &out) != MW_OK ||
        mw_b64_encode_final(&enc, &out) != MW_OK)
        return 1;
    if (out.len != 12 || memcmp(out.data, "bWFpbHdpcmU=", 12) != 0) {
        fprintf(stderr, "unexpected output %.*s\n", (int)out.len, out.data);
        return 1;
    }
    if (strcmp(mw_version(), MW_VERSION_STRING) != 0)
        return 1;
    printf("consumer linked mailwire %s: base64 ok\n", mw_version());
    return 0;
}
