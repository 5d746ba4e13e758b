/* SMTP / LMTP client session: the object and its memory layout, reading
 * replies and dispatching them, hello and STARTTLS, AUTH, RSET / NOOP /
 * QUIT. The mail transaction itself lives in client_txn.c. */
#include <string.h>

#include "client_int.h"

/* Bytes of output kept free by the body so that the end of data always
 * fits after it. */
#define OUTPUT_MIN 4096u

/* ------------------------------------------------------------------ */
/* Layout                                                              */
/* ------------------------------------------------------------------ */

typedef struct layout {
    mw_limits limits;
    mwi_smtp_cfg codec;
    uint32_t sasl_max;
    size_t output_max;
    size_t rp_size, line_cap, caps_text, caps_lines, queue, bits, raw, scratch;
    size_t o_rp, o_line, o_caps_text, o_caps_lines, o_queue, o_bits, o_raw,
        o_scratch, o_out, total; /* total 0: too large for size_t */
} layout;

static size_t max_size(size_t a, size_t b)
{
    return a > b ? a : b;
}

static int config_ok(const mw_smtp_client_config *cfg)
{
    return !cfg || cfg->size >= offsetof(mw_smtp_client_config, reserved) + 4u;
}

/* Sizes and offsets are summed in 64 bits, so that huge limits on a
 * 32-bit target give "too large" rather than a wrapped, short block. */
static uint64_t align_up(uint64_t n)
{
    return (n + MWI_ALIGN - 1) / MWI_ALIGN * MWI_ALIGN;
}

static size_t place(uint64_t *off, uint64_t size)
{
    size_t at = *off > SIZE_MAX ? 0 : (size_t)*off;
    *off += align_up(size);
    return at;
}

static size_t narrow(uint64_t v)
{
    return v > SIZE_MAX ? SIZE_MAX : (size_t)v;
}

static void compute_layout(const mw_smtp_client_config *cfg, layout *l)
{
    memset(l, 0, sizeof(*l));
    mw_limits_resolve(cfg ? cfg->limits : NULL, &l->limits);
    mwi_smtp_cfg_resolve(cfg ? cfg->codec : NULL, &l->codec);
    l->sasl_max =
        cfg && cfg->sasl_max ? cfg->sasl_max : MW_SMTP_CLIENT_SASL_MAX_DEFAULT;
    if (l->sasl_max < MW_SMTP_CLIENT_SASL_MAX_MIN)
        l->sasl_max = MW_SMTP_CLIENT_SASL_MAX_MIN;
    /* The scratch holds a base64 SASL message or one command line. */
    uint64_t b64 = ((uint64_t)l->sasl_max + 2) / 3 * 4;
    uint64_t scratch =
        (uint64_t)l->codec.line_max + MW_SMTP_MAIL_LINE_EXTRA + 64;
    if (b64 + 2 > scratch)
        scratch = b64 + 2;
    /* The output must take the largest single unit (an AUTH line or a
     * SASL response, a MAIL line) plus the commands queued after a
     * reply. */
    uint64_t need = scratch + 256 > OUTPUT_MIN ? scratch + 256 : OUTPUT_MIN;
    uint64_t om = l->limits.output_max < need ? need : l->limits.output_max;
    uint64_t caps_lines = (uint64_t)l->codec.reply_lines_max * sizeof(mw_span);
    uint64_t queue = (uint64_t)l->limits.inflight_max * sizeof(mwi_expect);
    uint64_t bits = (uint64_t)l->limits.recipients_max / 8 + 1;
    l->rp_size = mw_smtp_reply_parser_sizeof(cfg ? cfg->codec : NULL);
    l->line_cap = l->codec.reply_line_max;
    l->caps_text = max_size(l->codec.reply_text_max, 1);
    l->raw = l->sasl_max;

    uint64_t off = 0;
    (void)place(&off, sizeof(mw_smtp_client));
    l->o_rp = place(&off, l->rp_size);
    l->o_line = place(&off, l->line_cap);
    l->o_caps_text = place(&off, l->caps_text);
    l->o_caps_lines = place(&off, caps_lines);
    l->o_queue = place(&off, queue);
    l->o_bits = place(&off, bits);
    l->o_raw = place(&off, l->raw);
    l->o_scratch = place(&off, scratch);
    l->o_out = place(&off, 0);
    uint64_t total = off + om;
    if (total < off || total > SIZE_MAX / 2)
        return; /* l->total stays 0 */
    l->scratch = narrow(scratch);
    l->output_max = narrow(om);
    l->caps_lines = narrow(caps_lines);
    l->queue = narrow(queue);
    l->bits = narrow(bits);
    l->total = (size_t)total;
}

size_t mw_smtp_client_sizeof(const mw_smtp_client_config *cfg)
{
    if (!config_ok(cfg))
        return 0;
    layout l;
    compute_layout(cfg, &l);
    return l.total;
}

/* ------------------------------------------------------------------ */
/* Creation                                                            */
/* ------------------------------------------------------------------ */

static mw_status set_helo(mw_smtp_client *c, const mw_smtp_client_config *cfg)
{
    mw_span h = {"localhost", 9};
    if (cfg && cfg->helo.len)
        h = cfg->helo;
    if (!h.ptr || h.len >= sizeof(c->helo))
        return MW_E_ARG;
    memcpy(c->helo, h.ptr, h.len);
    c->helo_len = h.len;
    /* Refuse a name that would not parse back now rather than at the
     * first hello. */
    mw_smtp_cmd cmd;
    memset(&cmd, 0, sizeof(cmd));
    cmd.verb = MW_SMTP_VERB_EHLO;
    cmd.arg.ptr = c->helo;
    cmd.arg.len = c->helo_len;
    mw_buf tmp;
    mw_buf_init_fixed(&tmp, c->scratch, c->scratch_cap);
    mw_status st = mw_smtp_cmd_write(&cmd, &c->codec, &tmp);
    return st == MW_E_CRLF ? st : (st == MW_OK ? MW_OK : MW_E_ARG);
}

static mw_status setup(void *mem, const layout *l,
                       const mw_smtp_client_config *cfg, int fixed_out,
                       const mw_allocator *a)
{
    mw_smtp_client *c = mem;
    char *base = mem;
    memset(c, 0, sizeof(*c));
    c->flags = cfg ? cfg->flags : 0;
    c->tls = (c->flags & MW_SMTP_CLIENT_TLS_ACTIVE) != 0;
    if (cfg && cfg->codec) {
        size_t n = cfg->codec->size < sizeof(c->codec) ? cfg->codec->size
                                                       : sizeof(c->codec);
        memcpy(&c->codec, cfg->codec, n);
    }
    c->codec.size = sizeof(c->codec);
    /* Paths are written as the server will parse them; UTF-8 is allowed
     * per transaction only (c->utf8). */
    c->codec.flags &= ~(uint32_t)MW_SMTP_CODEC_UTF8;
    c->sasl_max = l->sasl_max;
    c->output_max = l->output_max;
    c->recipients_max = l->limits.recipients_max;
    mw_smtp_reply_parser *rp = NULL;
    mw_status st = mw_smtp_reply_parser_init_in(base + l->o_rp, l->rp_size,
                                                cfg ? cfg->codec : NULL, &rp);
    if (st != MW_OK)
        return MW_E_INTERNAL;
    c->rp = rp;
    mw_line_reader_init(&c->lr, base + l->o_line, l->line_cap, 0);
    c->caps_text = base + l->o_caps_text;
    c->caps_text_cap = l->caps_text;
    c->caps_lines = (mw_span *)(void *)(base + l->o_caps_lines);
    c->caps_lines_cap = l->codec.reply_lines_max;
    c->q = (mwi_expect *)(void *)(base + l->o_queue);
    c->q_cap = l->limits.inflight_max;
    c->acc_bits = (uint8_t *)(base + l->o_bits);
    c->sasl_raw = (uint8_t *)(base + l->o_raw);
    c->scratch = base + l->o_scratch;
    c->scratch_cap = l->scratch;
    if (fixed_out)
        mw_buf_init_fixed(&c->out, base + l->o_out, l->output_max);
    else
        mw_buf_init_growable(&c->out, a, l->output_max);
    st = set_helo(c, cfg);
    if (st != MW_OK)
        return st;
    c->state = MWI_ST_GREETING;
    return mwi_client_push(c, MWI_K_GREETING, 0);
}

mw_status mw_smtp_client_init_in(void *mem, size_t len,
                                 const mw_smtp_client_config *cfg,
                                 mw_smtp_client **out)
{
    if (!out)
        return MW_E_ARG;
    *out = NULL;
    if (!mem || !config_ok(cfg) || !mwi_is_aligned(mem))
        return MW_E_ARG;
    layout l;
    compute_layout(cfg, &l);
    if (l.total == 0 || len < l.total)
        return MW_E_ARG;
    mw_status st = setup(mem, &l, cfg, 1, NULL);
    if (st != MW_OK)
        return st;
    *out = mem;
    return MW_OK;
}

mw_status mw_smtp_client_new(const mw_smtp_client_config *cfg,
                             const mw_allocator *allocator,
                             mw_smtp_client **out)
{
    if (!out)
        return MW_E_ARG;
    *out = NULL;
    if (!config_ok(cfg))
        return MW_E_ARG;
    layout l;
    compute_layout(cfg, &l);
    if (l.total == 0)
        return MW_E_ARG;
    void *mem = mwi_alloc(allocator, l.o_out);
    if (!mem)
        return MW_E_NOMEM;
    mw_status st = setup(mem, &l, cfg, 0, allocator);
    if (st != MW_OK) {
        mwi_free(allocator, mem, l.o_out);
        return st;
    }
    mw_smtp_client *c = mem;
    c->allocator = allocator;
    c->alloc_size = l.o_out;
    c->owned = 1;
    *out = c;
    return MW_OK;
}

void mw_smtp_client_free(mw_smtp_client *c)
{
    if (!c)
        return;
    /* SASL bytes may hold secrets. */
    mwi_wipe(c->sasl_raw, c->sasl_max);
    mwi_wipe(c->scratch, c->scratch_cap);
    mw_buf_free(&c->out);
    if (c->owned) {
        const mw_allocator *a = c->allocator;
        size_t n = c->alloc_size;
        mwi_wipe(c, sizeof(*c));
        mwi_free(a, c, n);
    } else {
        mwi_wipe(c, sizeof(*c));
    }
}

/* ------------------------------------------------------------------ */
/* Queue of expected replies and command output                        */
/* ------------------------------------------------------------------ */

mw_status mwi_client_push(mw_smtp_client *c, uint32_t kind, uint32_t index)
{
    if (c->q_len >= c->q_cap)
        return MW_E_INTERNAL;
    mwi_expect *e = &c->q[(c->q_head + c->q_len) % c->q_cap];
    e->kind = kind;
    e->index = index;
    c->q_len++;
    return MW_OK;
}

static mwi_expect pop(mw_smtp_client *c)
{
    mwi_expect e = c->q[c->q_head];
    c->q_head = (c->q_head + 1) % c->q_cap;
    c->q_len--;
    return e;
}

mw_status mwi_client_write(mw_smtp_client *c, const mw_smtp_cmd *cmd,
                           uint32_t kind, uint32_t index)
{
    if (c->q_len >= c->q_cap)
        return MW_E_NOSPACE;
    mw_smtp_codec_config cc = c->codec;
    if (c->utf8)
        cc.flags |= MW_SMTP_CODEC_UTF8;
    mw_status st = mw_smtp_cmd_write(cmd, &cc, &c->out);
    if (st != MW_OK)
        return st;
    return mwi_client_push(c, kind, index);
}

mw_status mwi_client_simple(mw_smtp_client *c, uint32_t verb, uint32_t kind,
                            uint32_t index)
{
    mw_smtp_cmd cmd;
    memset(&cmd, 0, sizeof(cmd));
    cmd.verb = verb;
    if (verb == MW_SMTP_VERB_EHLO || verb == MW_SMTP_VERB_HELO ||
        verb == MW_SMTP_VERB_LHLO) {
        cmd.arg.ptr = c->helo;
        cmd.arg.len = c->helo_len;
    }
    return mwi_client_write(c, &cmd, kind, index);
}

int mwi_client_positive(const mw_smtp_reply *r)
{
    return r->code >= 200 && r->code < 400;
}

static mw_status send_hello(mw_smtp_client *c)
{
    c->state = MWI_ST_HELLO;
    if (c->flags & MW_SMTP_CLIENT_LMTP)
        return mwi_client_simple(c, MW_SMTP_VERB_LHLO, MWI_K_LHLO, 0);
    return mwi_client_simple(c, MW_SMTP_VERB_EHLO, MWI_K_EHLO, 0);
}

static mw_status send_quit(mw_smtp_client *c)
{
    c->state = MWI_ST_QUIT;
    return mwi_client_simple(c, MW_SMTP_VERB_QUIT, MWI_K_QUIT, 0);
}

/* ------------------------------------------------------------------ */
/* State queries                                                       */
/* ------------------------------------------------------------------ */

int mw_smtp_client_idle(const mw_smtp_client *c)
{
    return c && (c->state == MWI_ST_READY || c->state == MWI_ST_NOHELLO) &&
           c->q_len == 0 && c->phase == MWI_TX_NONE && !c->sasl;
}

static int ready(const mw_smtp_client *c)
{
    return mw_smtp_client_idle(c) && c->state == MWI_ST_READY;
}

int mw_smtp_client_is_tls(const mw_smtp_client *c)
{
    return c && c->tls;
}

const mw_smtp_caps *mw_smtp_client_caps(const mw_smtp_client *c)
{
    return c && c->caps_valid ? &c->caps : NULL;
}

unsigned mw_smtp_client_wants(const mw_smtp_client *c)
{
    if (!c)
        return 0;
    unsigned w = c->out.len ? MW_WANT_WRITE : 0u;
    switch (c->state) {
    case MWI_ST_TLS_WAIT:
        return MW_WANT_TLS;
    case MWI_ST_CLOSED:
        return w | MW_WANT_CLOSE;
    case MWI_ST_FAILED:
        return MW_WANT_CLOSE;
    default:
        return w | MW_WANT_READ;
    }
}

const char *mw_smtp_client_output(mw_smtp_client *c, size_t *len)
{
    if (len)
        *len = 0;
    if (!c || !len || c->out.len == 0 || c->state == MWI_ST_FAILED)
        return NULL;
    *len = c->out.len;
    return c->out.data;
}

mw_status mw_smtp_client_output_done(mw_smtp_client *c, size_t n)
{
    if (!c)
        return MW_E_ARG;
    mw_buf_consume(&c->out, n);
    return mwi_client_pump(c);
}

/* ------------------------------------------------------------------ */
/* Requests                                                            */
/* ------------------------------------------------------------------ */

mw_status mw_smtp_client_starttls(mw_smtp_client *c)
{
    if (!c)
        return MW_E_ARG;
    if (!ready(c) || c->tls)
        return MW_E_STATE;
    if (!(c->caps.flags & MW_SMTP_CAP_STARTTLS))
        return MW_E_UNSUPPORTED;
    return mwi_client_simple(c, MW_SMTP_VERB_STARTTLS, MWI_K_STARTTLS, 0);
}

mw_status mw_smtp_client_rset(mw_smtp_client *c)
{
    if (!c)
        return MW_E_ARG;
    if (!mw_smtp_client_idle(c))
        return MW_E_STATE;
    return mwi_client_simple(c, MW_SMTP_VERB_RSET, MWI_K_RSET, 0);
}

mw_status mw_smtp_client_noop(mw_smtp_client *c)
{
    if (!c)
        return MW_E_ARG;
    if (!mw_smtp_client_idle(c))
        return MW_E_STATE;
    return mwi_client_simple(c, MW_SMTP_VERB_NOOP, MWI_K_NOOP, 0);
}

mw_status mw_smtp_client_vrfy(mw_smtp_client *c, const char *arg, size_t len)
{
    if (!c || (!arg && len))
        return MW_E_ARG;
    if (!mw_smtp_client_idle(c))
        return MW_E_STATE;
    if (len == 0)
        return MW_E_ARG;
    mw_smtp_cmd cmd;
    memset(&cmd, 0, sizeof(cmd));
    cmd.verb = MW_SMTP_VERB_VRFY;
    cmd.arg.ptr = arg;
    cmd.arg.len = len;
    return mwi_client_write(c, &cmd, MWI_K_VRFY, 0);
}

mw_status mw_smtp_client_quit(mw_smtp_client *c)
{
    if (!c)
        return MW_E_ARG;
    if (!mw_smtp_client_idle(c))
        return MW_E_STATE;
    mw_status st = mwi_client_simple(c, MW_SMTP_VERB_QUIT, MWI_K_QUIT, 0);
    if (st == MW_OK)
        c->state = MWI_ST_QUIT;
    return st;
}

mw_status mw_smtp_client_tls_done(mw_smtp_client *c, int ok)
{
    if (!c)
        return MW_E_ARG;
    if (c->state != MWI_ST_TLS_WAIT)
        return MW_E_STATE;
    if (!ok) {
        c->state = MWI_ST_CLOSED;
        return MW_OK;
    }
    /* RFC 3207 4.2: forget everything learnt in plaintext. */
    c->tls = 1;
    c->caps_valid = 0;
    memset(&c->caps, 0, sizeof(c->caps));
    mw_line_reader_reset(&c->lr);
    mw_smtp_reply_parser_reset(c->rp);
    c->discard_pending = c->discarded > 0;
    mw_status st = send_hello(c);
    if (st != MW_OK)
        c->state = MWI_ST_FAILED;
    return st;
}

mw_status mw_smtp_client_eof(mw_smtp_client *c)
{
    if (!c)
        return MW_E_ARG;
    uint32_t s = c->state;
    c->state = MWI_ST_CLOSED;
    if (s == MWI_ST_QUIT || s == MWI_ST_CLOSED || s == MWI_ST_FAILED)
        return MW_OK;
    return MW_E_CLOSED;
}

/* ------------------------------------------------------------------ */
/* AUTH                                                                */
/* ------------------------------------------------------------------ */

static int mech_offered(const mw_smtp_client *c, const char *name)
{
    size_t n = strlen(name);
    for (uint32_t i = 0; i < c->caps.n_mechs; i++)
        if (mwi_span_ieq(c->caps.mechs[i].ptr, c->caps.mechs[i].len, name) &&
            c->caps.mechs[i].len == n)
            return 1;
    return 0;
}

/* Base64 of \p raw into the scratch; "=" stands for an empty message
 * when \p empty_as_eq (RFC 4954 initial response). */
static mw_span encode_scratch(mw_smtp_client *c, const void *raw, size_t n,
                              int empty_as_eq)
{
    mw_span sp = {c->scratch, 0};
    if (n == 0 && empty_as_eq) {
        c->scratch[0] = '=';
        sp.len = 1;
        return sp;
    }
    mw_buf b;
    mw_buf_init_fixed(&b, c->scratch, c->scratch_cap);
    mw_b64_encoder enc;
    mw_b64_encoder_init(&enc, 0);
    /* The scratch holds the bound of sasl_max bytes; cannot fail. */
    (void)mw_b64_encode_update(&enc, raw, n, &b);
    (void)mw_b64_encode_final(&enc, &b);
    sp.len = b.len;
    return sp;
}

mw_status mw_smtp_client_auth(mw_smtp_client *c, mw_sasl *sasl)
{
    if (!c || !sasl)
        return MW_E_ARG;
    if (!ready(c))
        return MW_E_STATE;
    const char *name = mw_sasl_mech_name(mw_sasl_mechanism(sasl));
    if (!name || !(c->caps.flags & MW_SMTP_CAP_AUTH) || !mech_offered(c, name))
        return MW_E_UNSUPPORTED;
    if (c->q_len >= c->q_cap)
        return MW_E_STATE;
    mw_buf raw;
    mw_buf_init_fixed(&raw, c->sasl_raw, c->sasl_max);
    int has_ir = 0;
    mw_status st = mw_sasl_client_start(sasl, &raw, &has_ir);
    if (st == MW_E_NOSPACE)
        return MW_E_LIMIT;
    if (st != MW_OK)
        return st;
    mw_smtp_cmd cmd;
    memset(&cmd, 0, sizeof(cmd));
    cmd.verb = MW_SMTP_VERB_AUTH;
    cmd.arg.ptr = name;
    cmd.arg.len = strlen(name);
    c->stash = 0;
    if (has_ir)
        cmd.arg2 = encode_scratch(c, raw.data, raw.len, 1);
    /* The codec allows AUTH lines of 12288 octets (RFC 4954 section 4). */
    st = mw_smtp_cmd_write(&cmd, &c->codec, &c->out);
    if (st == MW_E_LIMIT && has_ir) {
        /* Too long for one line: send it after the empty challenge
         * instead (RFC 4954 section 4). */
        c->stash = 1;
        c->stash_len = raw.len;
        cmd.arg2.len = 0;
        st = mw_smtp_cmd_write(&cmd, &c->codec, &c->out);
    }
    mwi_wipe(c->scratch, c->scratch_cap);
    if (!c->stash)
        mwi_wipe(c->sasl_raw, c->sasl_max);
    if (st != MW_OK)
        return st;
    c->sasl = sasl;
    c->auth_status = MW_OK;
    return mwi_client_push(c, MWI_K_AUTH, 0);
}

/* Append "<base64 of raw>\r\n" or the cancel line "*\r\n", whole. */
static mw_status send_sasl_line(mw_smtp_client *c, const void *raw, size_t n,
                                int cancel)
{
    mw_span text = {"*", 1};
    if (!cancel)
        text = encode_scratch(c, raw, n, 0);
    mw_status st = mw_buf_reserve(&c->out, text.len + 2);
    if (st == MW_OK) {
        (void)mw_buf_append(&c->out, text.ptr, text.len);
        (void)mw_buf_append(&c->out, "\r\n", 2);
    }
    mwi_wipe(c->scratch, c->scratch_cap);
    if (st != MW_OK)
        return st;
    return mwi_client_push(c, MWI_K_AUTH, 0);
}

/* The challenge, base64-decoded into the scratch (at most sasl_max). */
static mw_status decode_challenge(mw_smtp_client *c, const mw_smtp_reply *r,
                                  size_t *n)
{
    mw_buf b;
    mw_buf_init_fixed(&b, c->scratch, c->sasl_max);
    mw_b64_decoder dec;
    mw_b64_decoder_init(&dec, MW_B64_STRICT);
    mw_span t = r->lines[0];
    mw_status st = mw_b64_decode_update(&dec, t.ptr, t.len, &b);
    if (st == MW_OK)
        st = mw_b64_decode_final(&dec, &b);
    *n = b.len;
    if (st == MW_E_NOSPACE)
        return MW_E_LIMIT;
    return st == MW_OK ? MW_OK : MW_E_SYNTAX;
}

/* Step the mechanism with the decoded challenge; the response lands in
 * the raw area. */
static mw_status step(mw_smtp_client *c, size_t n, size_t *resp_len)
{
    mw_buf resp;
    mw_buf_init_fixed(&resp, c->sasl_raw, c->sasl_max);
    mw_status st = mw_sasl_step(c->sasl, c->scratch, n, &resp);
    mwi_wipe(c->scratch, c->scratch_cap);
    *resp_len = resp.len;
    if (st == MW_DONE)
        return MW_OK;
    if (st == MW_E_NOSPACE)
        return MW_E_LIMIT;
    return st;
}

/* A 334: answer it through the mechanism, or cancel with "*". */
static mw_status on_challenge(mw_smtp_client *c, const mw_smtp_reply *r,
                              mw_smtp_client_event *ev)
{
    ev->type = MW_SMTP_CEV_AUTH_CHALLENGE;
    ev->status = MW_OK;
    if (c->stash) {
        c->stash = 0;
        mw_status st = send_sasl_line(c, c->sasl_raw, c->stash_len, 0);
        mwi_wipe(c->sasl_raw, c->sasl_max);
        return st;
    }
    size_t n = 0;
    mw_status st = c->auth_status;
    if (st == MW_OK)
        st = decode_challenge(c, r, &n);
    if (st == MW_OK)
        st = step(c, n, &n);
    if (st == MW_OK) {
        st = send_sasl_line(c, c->sasl_raw, n, 0);
        mwi_wipe(c->sasl_raw, c->sasl_max);
        return st;
    }
    mwi_wipe(c->sasl_raw, c->sasl_max);
    c->auth_status = st;
    ev->flags |= MW_SMTP_CEVF_FAILED;
    ev->status = st;
    return send_sasl_line(c, NULL, 0, 1);
}

static void end_auth(mw_smtp_client *c)
{
    c->sasl = NULL;
    c->stash = 0;
    mwi_wipe(c->sasl_raw, c->sasl_max);
}

static mw_status on_auth(mw_smtp_client *c, const mw_smtp_reply *r,
                         mw_smtp_client_event *ev)
{
    if (r->code == 334)
        return on_challenge(c, r, ev);
    ev->type = MW_SMTP_CEV_AUTH;
    mw_status verdict = MW_E_AUTH;
    if (r->code == 235 && c->auth_status == MW_OK)
        verdict = mw_sasl_client_success(c->sasl, NULL, 0) == MW_OK ? MW_OK
                                                                    : MW_E_AUTH;
    int cancelled = c->auth_status != MW_OK;
    ev->status = cancelled ? c->auth_status : verdict;
    end_auth(c);
    if (cancelled)
        ev->flags |= MW_SMTP_CEVF_FAILED;
    if (verdict != MW_OK && r->code == 235) {
        /* The server claims success without proving it knows the
         * password (SCRAM): it may be an impostor; leave. */
        ev->flags |= MW_SMTP_CEVF_FAILED;
        return send_quit(c);
    }
    return MW_OK;
}

/* ------------------------------------------------------------------ */
/* Hello, greeting, STARTTLS                                           */
/* ------------------------------------------------------------------ */

/* Copy the hello reply so the capabilities outlive the parser's next
 * reply; the event then shows the copy. */
static mw_status store_caps(mw_smtp_client *c, mw_smtp_reply *r)
{
    size_t used = 0;
    uint32_t n =
        r->n_lines < c->caps_lines_cap ? r->n_lines : c->caps_lines_cap;
    for (uint32_t i = 0; i < n; i++) {
        mw_span l = r->lines[i];
        if (l.len > c->caps_text_cap - used)
            return MW_E_LIMIT;
        if (l.len)
            memcpy(c->caps_text + used, l.ptr, l.len);
        c->caps_lines[i].ptr = c->caps_text + used;
        c->caps_lines[i].len = l.len;
        used += l.len;
    }
    r->lines = c->caps_lines;
    r->n_lines = n;
    mw_status st = mw_smtp_caps_parse(r, &c->caps);
    if (st != MW_OK)
        return st;
    c->caps_valid = 1;
    return MW_OK;
}

static mw_status on_greeting(mw_smtp_client *c, const mw_smtp_reply *r,
                             mw_smtp_client_event *ev)
{
    ev->type = MW_SMTP_CEV_GREETING;
    if (r->code >= 200 && r->code < 300)
        return send_hello(c);
    /* RFC 5321 3.1: after a 554 greeting the client sends QUIT. */
    ev->flags |= MW_SMTP_CEVF_FAILED;
    return send_quit(c);
}

static mw_status on_hello(mw_smtp_client *c, uint32_t kind, mw_smtp_reply *r,
                          mw_smtp_client_event *ev)
{
    ev->type = MW_SMTP_CEV_HELLO;
    if (r->code >= 200 && r->code < 300) {
        c->state = MWI_ST_READY;
        if (kind == MWI_K_HELO) {
            memset(&c->caps, 0, sizeof(c->caps));
            c->caps_valid = 1;
            return MW_OK;
        }
        mw_status st = store_caps(c, r);
        ev->reply = *r;
        return st;
    }
    if (kind == MWI_K_EHLO && (r->code == 500 || r->code == 502)) {
        /* RFC 5321 3.2: a server without EHLO gets HELO. */
        ev->flags |= MW_SMTP_CEVF_FALLBACK;
        return mwi_client_simple(c, MW_SMTP_VERB_HELO, MWI_K_HELO, 0);
    }
    c->state = MWI_ST_NOHELLO;
    return MW_OK;
}

static mw_status on_starttls(mw_smtp_client *c, const mw_smtp_reply *r,
                             mw_smtp_client_event *ev)
{
    ev->type = MW_SMTP_CEV_STARTTLS;
    if (r->code == 220) {
        /* From here on, every plaintext byte is suspect (CVE-2020-15953):
         * count and drop it until tls_done(). */
        c->state = MWI_ST_TLS_WAIT;
        c->discarded = 0;
    }
    return MW_OK;
}

/* ------------------------------------------------------------------ */
/* Reply dispatch                                                      */
/* ------------------------------------------------------------------ */

static uint32_t verb_of(uint32_t kind)
{
    static const uint32_t verbs[] = {
        0,
        0,
        MW_SMTP_VERB_EHLO,
        MW_SMTP_VERB_HELO,
        MW_SMTP_VERB_LHLO,
        MW_SMTP_VERB_STARTTLS,
        MW_SMTP_VERB_AUTH,
        MW_SMTP_VERB_MAIL,
        MW_SMTP_VERB_RCPT,
        MW_SMTP_VERB_DATA,
        MW_SMTP_VERB_DATA,
        MW_SMTP_VERB_BDAT,
        MW_SMTP_VERB_BDAT,
        MW_SMTP_VERB_RSET,
        MW_SMTP_VERB_NOOP,
        MW_SMTP_VERB_QUIT,
        MW_SMTP_VERB_VRFY,
    };
    return kind < MWI_ARRAY_LEN(verbs) ? verbs[kind] : 0;
}

static void on_closed(mw_smtp_client *c, mw_smtp_client_event *ev)
{
    /* RFC 5321 3.8: 421 means the server is closing the channel. */
    ev->type = MW_SMTP_CEV_CLOSED;
    ev->flags |= MW_SMTP_CEVF_FAILED;
    if (c->phase != MWI_TX_NONE)
        ev->flags |= MW_SMTP_CEVF_TXN_END;
    c->phase = MWI_TX_NONE;
    c->sasl = NULL;
    c->q_len = 0;
    mw_buf_clear(&c->out);
    c->state = MWI_ST_CLOSED;
}

static mw_status on_reply(mw_smtp_client *c, mw_smtp_reply *r,
                          mw_smtp_client_event *ev)
{
    ev->has_reply = 1;
    ev->reply = *r;
    ev->status = mwi_client_positive(r) ? MW_OK : MW_E_PEER;
    if (c->q_len == 0) {
        if (r->code == 421) {
            on_closed(c, ev);
            return MW_OK;
        }
        return MW_E_SYNTAX; /* a reply nobody asked for */
    }
    mwi_expect e = pop(c);
    ev->verb = verb_of(e.kind);
    ev->index = e.index;
    if (r->code == 421 && e.kind != MWI_K_QUIT) {
        on_closed(c, ev);
        return MW_OK;
    }
    mw_status st = MW_OK;
    switch (e.kind) {
    case MWI_K_GREETING:
        st = on_greeting(c, r, ev);
        break;
    case MWI_K_EHLO:
    case MWI_K_HELO:
    case MWI_K_LHLO:
        st = on_hello(c, e.kind, r, ev);
        break;
    case MWI_K_STARTTLS:
        st = on_starttls(c, r, ev);
        break;
    case MWI_K_AUTH:
        st = on_auth(c, r, ev);
        break;
    case MWI_K_NOOP:
        ev->type = MW_SMTP_CEV_NOOP;
        break;
    case MWI_K_VRFY:
        ev->type = MW_SMTP_CEV_VRFY;
        break;
    case MWI_K_QUIT:
        ev->type = MW_SMTP_CEV_QUIT;
        c->state = MWI_ST_CLOSED;
        break;
    default:
        st = mwi_client_on_txn_reply(c, e.kind, e.index, r, ev);
        break;
    }
    if (st == MW_OK)
        st = mwi_client_pump(c);
    if (st == MW_OK && mw_smtp_client_idle(c))
        ev->flags |= MW_SMTP_CEVF_IDLE;
    return st;
}

static void fail(mw_smtp_client *c)
{
    c->state = MWI_ST_FAILED;
    c->phase = MWI_TX_NONE;
    c->sasl = NULL;
    mw_buf_clear(&c->out);
}

mw_status mw_smtp_client_feed(mw_smtp_client *c, const void *data, size_t len,
                              size_t *consumed, mw_smtp_client_event *ev)
{
    if (consumed)
        *consumed = 0;
    if (!c || !consumed || !ev || (!data && len))
        return MW_E_ARG;
    memset(ev, 0, sizeof(*ev));
    if (c->discard_pending) {
        c->discard_pending = 0;
        ev->type = MW_SMTP_CEV_TLS_DISCARDED;
        ev->discarded = c->discarded;
        ev->status = MW_OK;
        return MW_OK;
    }
    if (c->state == MWI_ST_TLS_WAIT) {
        c->discarded += len;
        *consumed = len;
        return MW_NEED_MORE;
    }
    if (c->state == MWI_ST_CLOSED || c->state == MWI_ST_FAILED)
        return len ? MW_E_STATE : MW_NEED_MORE;
    const char *p = data;
    size_t pos = 0;
    while (pos < len) {
        size_t used = 0;
        mw_span line;
        uint32_t lf = 0;
        mw_status st =
            mw_line_reader_next(&c->lr, p + pos, len - pos, &used, &line, &lf);
        pos += used;
        if (st == MW_NEED_MORE)
            break;
        if (st == MW_OK)
            st = mw_smtp_reply_parser_feed(c->rp, line.ptr, line.len,
                                           lf & MW_LINE_CRLF, NULL);
        if (st == MW_NEED_MORE)
            continue;
        mw_smtp_reply r;
        if (st == MW_OK)
            st = mw_smtp_reply_parser_get(c->rp, &r);
        if (st == MW_OK)
            st = on_reply(c, &r, ev);
        *consumed = pos;
        if (st != MW_OK)
            fail(c);
        return st;
    }
    *consumed = pos;
    return MW_NEED_MORE;
}
