/* mw-codec: stream a file through one of mailwire's core codecs.
 *
 *   mw-codec [--chunk N] encode|decode base64|base64-mime|qp|qp-binary|utf7
 *            [FILE|-]
 *   mw-codec [--chunk N] check utf8 [FILE|-]
 *
 * The input is fed to the codec N bytes at a time (default 4096), so the
 * output shows that any chunking gives the same bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "mailwire/mailwire.h"

static const char usage[] =
    "usage: mw-codec [--chunk N] encode|decode CODEC [FILE|-]\n"
    "       mw-codec [--chunk N] check utf8 [FILE|-]\n"
    "CODEC: base64, base64-mime (76-column lines), qp (text),\n"
    "       qp-binary, utf7 (IMAP modified UTF-7 <-> UTF-8)\n"
    "Decoding reports defects of tolerant decoders on stderr.\n"
    "Exit: 0 ok, 64 usage, 65 invalid input, 66 no input, 70 internal.\n";

/* One streaming codec seen through a uniform interface. */
typedef struct codec {
    union {
        mw_b64_encoder b64e;
        mw_b64_decoder b64d;
        mw_qp_encoder qpe;
        mw_qp_decoder qpd;
        mw_utf7_encoder u7e;
        mw_utf7_decoder u7d;
        mw_utf8_validator u8;
    } s;
    mw_status (*update)(struct codec *c, const char *in, size_t len,
                        mw_buf *out);
    mw_status (*final)(struct codec *c, mw_buf *out);
    void (*report)(const struct codec *c);
} codec;

static mw_status b64e_up(codec *c, const char *in, size_t n, mw_buf *o)
{
    return mw_b64_encode_update(&c->s.b64e, in, n, o);
}
static mw_status b64e_fin(codec *c, mw_buf *o)
{
    return mw_b64_encode_final(&c->s.b64e, o);
}
static mw_status b64d_up(codec *c, const char *in, size_t n, mw_buf *o)
{
    return mw_b64_decode_update(&c->s.b64d, in, n, o);
}
static mw_status b64d_fin(codec *c, mw_buf *o)
{
    return mw_b64_decode_final(&c->s.b64d, o);
}
static void b64d_report(const codec *c)
{
    uint32_t d = mw_b64_decoder_defects(&c->s.b64d);
    if (d)
        fprintf(stderr, "mw-codec: base64 defects 0x%x, first at offset %llu\n",
                (unsigned)d,
                (unsigned long long)mw_b64_decoder_defect_offset(&c->s.b64d));
}
static mw_status qpe_up(codec *c, const char *in, size_t n, mw_buf *o)
{
    return mw_qp_encode_update(&c->s.qpe, in, n, o);
}
static mw_status qpe_fin(codec *c, mw_buf *o)
{
    return mw_qp_encode_final(&c->s.qpe, o);
}
static mw_status qpd_up(codec *c, const char *in, size_t n, mw_buf *o)
{
    return mw_qp_decode_update(&c->s.qpd, in, n, o);
}
static mw_status qpd_fin(codec *c, mw_buf *o)
{
    return mw_qp_decode_final(&c->s.qpd, o);
}
static void qpd_report(const codec *c)
{
    uint32_t d = mw_qp_decoder_defects(&c->s.qpd);
    if (d)
        fprintf(stderr, "mw-codec: qp defects 0x%x, first at offset %llu\n",
                (unsigned)d,
                (unsigned long long)mw_qp_decoder_defect_offset(&c->s.qpd));
}
static mw_status u7e_up(codec *c, const char *in, size_t n, mw_buf *o)
{
    return mw_utf7_encode_update(&c->s.u7e, in, n, o);
}
static mw_status u7e_fin(codec *c, mw_buf *o)
{
    return mw_utf7_encode_final(&c->s.u7e, o);
}
static mw_status u7d_up(codec *c, const char *in, size_t n, mw_buf *o)
{
    return mw_utf7_decode_update(&c->s.u7d, in, n, o);
}
static mw_status u7d_fin(codec *c, mw_buf *o)
{
    return mw_utf7_decode_final(&c->s.u7d, o);
}
static mw_status u8_up(codec *c, const char *in, size_t n, mw_buf *o)
{
    (void)o;
    return mw_utf8_validate_update(&c->s.u8, in, n);
}
static mw_status u8_fin(codec *c, mw_buf *o)
{
    (void)o;
    return mw_utf8_validate_final(&c->s.u8);
}

static uint64_t error_offset(const codec *c, const char *name)
{
    if (strcmp(name, "utf7") == 0)
        return c->update == u7d_up ? mw_utf7_decoder_error_offset(&c->s.u7d)
                                   : mw_utf7_encoder_error_offset(&c->s.u7e);
    if (strcmp(name, "utf8") == 0)
        return mw_utf8_validator_error_offset(&c->s.u8);
    return mw_b64_decoder_defect_offset(&c->s.b64d);
}

static int setup(codec *c, const char *op, const char *name)
{
    memset(c, 0, sizeof(*c));
    int enc = strcmp(op, "encode") == 0, dec = strcmp(op, "decode") == 0;
    if (strcmp(op, "check") == 0 && strcmp(name, "utf8") == 0) {
        mw_utf8_validator_init(&c->s.u8);
        c->update = u8_up, c->final = u8_fin;
    } else if ((enc || dec) && strncmp(name, "base64", 6) == 0) {
        int mime = strcmp(name, "base64-mime") == 0;
        if (!mime && strcmp(name, "base64") != 0)
            return -1;
        if (enc) {
            mw_b64_encoder_init(&c->s.b64e, mime ? MW_B64_WRAP76 : 0);
            c->update = b64e_up, c->final = b64e_fin;
        } else {
            mw_b64_decoder_init(&c->s.b64d, 0);
            c->update = b64d_up, c->final = b64d_fin, c->report = b64d_report;
        }
    } else if ((enc || dec) && strncmp(name, "qp", 2) == 0) {
        int binary = strcmp(name, "qp-binary") == 0;
        if (!binary && strcmp(name, "qp") != 0)
            return -1;
        if (enc) {
            mw_qp_encoder_init(&c->s.qpe, binary ? MW_QP_BINARY : 0);
            c->update = qpe_up, c->final = qpe_fin;
        } else {
            mw_qp_decoder_init(&c->s.qpd, 0);
            c->update = qpd_up, c->final = qpd_fin, c->report = qpd_report;
        }
    } else if ((enc || dec) && strcmp(name, "utf7") == 0) {
        if (enc) {
            mw_utf7_encoder_init(&c->s.u7e);
            c->update = u7e_up, c->final = u7e_fin;
        } else {
            mw_utf7_decoder_init(&c->s.u7d);
            c->update = u7d_up, c->final = u7d_fin;
        }
    } else {
        return -1;
    }
    return 0;
}

/* Feed the input chunk by chunk, draining the output after each call. */
static int run(codec *c, const char *name, const char *data, size_t len,
               size_t chunk)
{
    mw_buf out;
    mw_buf_init_growable(&out, NULL, 0);
    mw_status st = MW_OK;
    for (size_t at = 0; at < len && st == MW_OK; at += chunk) {
        size_t n = len - at < chunk ? len - at : chunk;
        st = c->update(c, data + at, n, &out);
        if (mwcli_write_stdout(out.data, out.len) != 0)
            st = MW_E_IO;
        mw_buf_clear(&out);
    }
    if (st == MW_OK)
        st = c->final(c, &out);
    if (st == MW_OK && mwcli_write_stdout(out.data, out.len) != 0)
        st = MW_E_IO;
    mw_buf_free(&out);
    if (c->report)
        c->report(c);
    if (st == MW_E_ENCODING) {
        fprintf(stderr, "mw-codec: invalid %s input at offset %llu\n", name,
                (unsigned long long)error_offset(c, name));
        return EX_DATAERR;
    }
    if (st != MW_OK) {
        fprintf(stderr, "mw-codec: %s\n", mw_strerror(st));
        return st == MW_E_IO ? EX_IOERR : EX_SOFTWARE;
    }
    return 0;
}

int main(int argc, char **argv)
{
    int code;
    if (mwcli_standard_options(argc, argv, "mw-codec", usage, &code))
        return code;
    size_t chunk = 4096;
    int i = 1;
    if (i + 1 < argc && strcmp(argv[i], "--chunk") == 0) {
        char *end;
        unsigned long n = strtoul(argv[i + 1], &end, 10);
        if (*end || n == 0)
            return mwcli_fail("mw-codec", EX_USAGE, "--chunk needs N > 0");
        chunk = (size_t)n;
        i += 2;
    }
    if (argc - i < 2 || argc - i > 3) {
        fputs(usage, stderr);
        return EX_USAGE;
    }
    codec c;
    if (setup(&c, argv[i], argv[i + 1]) != 0)
        return mwcli_fail("mw-codec", EX_USAGE, "unknown operation or codec");
    char *data;
    size_t len;
    int rc = mwcli_read_file(argc - i == 3 ? argv[i + 2] : "-", &data, &len);
    if (rc != 0)
        return rc;
    rc = run(&c, argv[i + 1], data, len, chunk);
    free(data);
    return rc;
}
