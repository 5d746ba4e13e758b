/* XOAUTH2 (Google's format) and OAUTHBEARER (RFC 7628): a bearer token in
 * \x01-separated key=value pairs. The application validates the token. */
#include <string.h>

#include "sasl_int.h"

#define KVSEP 0x01

static mw_span lit(const char *text)
{
    mw_span sp;
    sp.ptr = text;
    sp.len = strlen(text);
    return sp;
}

/* ---- client ------------------------------------------------------------- */

/* "user=" U "\x01auth=Bearer " T "\x01\x01" */
static mw_status xoauth2_response(mw_sasl *s, mw_buf *out)
{
    mw_span pieces[5] = {lit("user="), mwi_bytes_span(&s->authcid),
                         lit("\001auth=Bearer "), mwi_bytes_span(&s->token),
                         lit("\001\001")};
    return mwi_sasl_emit(out, pieces, 5);
}

/* gs2-header kvsep ["host=" H kvsep] ["port=" P kvsep] "auth=Bearer " T
 * kvsep kvsep; the a= name was escaped when the config was copied. */
static mw_status oauthbearer_response(mw_sasl *s, mw_buf *out)
{
    char port[16];
    size_t port_len = 0;
    for (uint32_t p = s->port; p > 0; p /= 10)
        port_len++;
    for (uint32_t p = s->port, i = (uint32_t)port_len; p > 0; p /= 10)
        port[--i] = (char)('0' + p % 10);
    int has_user = s->authcid.len > 0, has_host = s->host.len > 0;
    mw_span pieces[12] = {
        lit("n,"),
        has_user ? lit("a=") : lit(""),
        mwi_bytes_span(&s->authcid),
        lit(",\001"),
        has_host ? lit("host=") : lit(""),
        mwi_bytes_span(&s->host),
        has_host ? lit("\001") : lit(""),
        port_len > 0 ? lit("port=") : lit(""),
        {port, port_len},
        port_len > 0 ? lit("\001auth=Bearer ") : lit("auth=Bearer "),
        mwi_bytes_span(&s->token),
        lit("\001\001"),
    };
    return mwi_sasl_emit(out, pieces, 12);
}

mw_status mwi_sasl_oauth_client(mw_sasl *s, const uint8_t *in, size_t len,
                                mw_buf *out)
{
    mw_status st;
    if (s->phase == 0) {
        if (len > 0)
            return MW_E_SYNTAX;
        st = s->mech == MW_SASL_XOAUTH2 ? xoauth2_response(s, out)
                                        : oauthbearer_response(s, out);
        if (st == MW_OK)
            s->phase = 1;
        return st;
    }
    if (s->phase != 1)
        return MW_E_SYNTAX;
    /* Any challenge after the token is the server's error report; the
     * client must still answer it (XOAUTH2: empty, RFC 7628: a lone kvsep)
     * before the server sends its failure reply. */
    static const char kvsep = KVSEP;
    mw_span answer = {&kvsep, s->mech == MW_SASL_XOAUTH2 ? 0u : 1u};
    st = mw_buf_reserve(out, answer.len);
    if (st != MW_OK)
        return st;
    st = mwi_bytes_set(s, &s->error, in, len);
    if (st != MW_OK)
        return st;
    (void)mwi_sasl_emit(out, &answer, 1);
    s->phase = 2;
    return MW_OK;
}

/* ---- server ------------------------------------------------------------- */

static int value_byte_ok(uint8_t c)
{
    /* RFC 7628 values are VCHAR / SP / HTAB / CR / LF; bytes above 0x7f are
     * let through for internationalised user names (RFC 6532 addresses). */
    return c == '\t' || c == '\r' || c == '\n' || (c >= 0x20 && c != 0x7f);
}

static int key_byte_ok(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Pairs "key=value\x01" up to a final "\x01" that ends the input. */
static int kv_valid(const uint8_t *p, size_t len)
{
    size_t i = 0;
    while (i < len && p[i] != KVSEP) {
        size_t k = i;
        while (i < len && key_byte_ok(p[i]))
            i++;
        if (i == k || i == len || p[i] != '=')
            return 0;
        for (i++; i < len && p[i] != KVSEP; i++)
            if (!value_byte_ok(p[i]))
                return 0;
        if (i == len)
            return 0;
        i++;
    }
    return i + 1 == len;
}

/* The value of the first pair named \p key in a kv_valid() list. */
static int kv_find(const uint8_t *p, size_t len, const char *key,
                   mw_span *value)
{
    size_t klen = strlen(key), i = 0;
    while (i < len && p[i] != KVSEP) {
        size_t end = mwi_sasl_find(p, len, i, KVSEP);
        if (end - i > klen && memcmp(p + i, key, klen) == 0 &&
            p[i + klen] == '=') {
            value->ptr = (const char *)p + i + klen + 1;
            value->len = end - i - klen - 1;
            return 1;
        }
        i = end + 1;
    }
    return 0;
}

/* auth-value = "Bearer" 1*SP token; the scheme name is case-insensitive
 * (RFC 7235 section 2.1). */
static int bearer_token(mw_span auth, mw_span *token)
{
    static const char scheme[] = "bearer";
    size_t n = sizeof(scheme) - 1, i;
    if (auth.len <= n)
        return 0;
    for (i = 0; i < n; i++) {
        char c = auth.ptr[i];
        if ((c >= 'A' && c <= 'Z' ? (char)(c + 32) : c) != scheme[i])
            return 0;
    }
    if (auth.ptr[i] != ' ')
        return 0;
    while (i < auth.len && auth.ptr[i] == ' ')
        i++;
    token->ptr = auth.ptr + i;
    token->len = auth.len - i;
    return token->len > 0;
}

static mw_status take_token(mw_sasl *s, const uint8_t *kv, size_t len)
{
    mw_span auth, token;
    if (!kv_valid(kv, len) || !kv_find(kv, len, "auth", &auth) ||
        !bearer_token(auth, &token))
        return MW_E_SYNTAX;
    return mwi_bytes_set(s, &s->peer_secret, token.ptr, token.len);
}

static mw_status xoauth2_parse(mw_sasl *s, const uint8_t *in, size_t len)
{
    mw_span user;
    mw_status st = take_token(s, in, len);
    if (st != MW_OK)
        return st;
    if (!kv_find(in, len, "user", &user) || user.len == 0)
        return MW_E_SYNTAX;
    return mwi_bytes_set(s, &s->authcid, user.ptr, user.len);
}

/* gs2-header = gs2-cbind-flag "," [ "a=" saslname ] "," ; then kvsep and
 * the pairs. */
static mw_status oauthbearer_parse(mw_sasl *s, const uint8_t *in, size_t len)
{
    if (len < 3)
        return MW_E_SYNTAX;
    if (in[0] == 'p')
        return MW_E_UNSUPPORTED;
    /* "y": the client could bind the channel but believes we cannot,
     * which is true: fine. */
    if ((in[0] != 'n' && in[0] != 'y') || in[1] != ',')
        return MW_E_SYNTAX;
    size_t i = 2, name_end = 2;
    if (in[i] == 'a') {
        if (len < 4 || in[3] != '=')
            return MW_E_SYNTAX;
        name_end = mwi_sasl_find(in, len, 4, ',');
        if (name_end == len || name_end == 4)
            return MW_E_SYNTAX;
        i = name_end;
    }
    if (in[i] != ',' || i + 1 >= len || in[i + 1] != KVSEP)
        return MW_E_SYNTAX;
    mw_status st = take_token(s, in + i + 2, len - i - 2);
    if (st != MW_OK)
        return st;
    if (name_end > 2)
        return mwi_sasl_set_unescaped(s, &s->authzid, in + 4, name_end - 4);
    return MW_OK;
}

static mw_status oauth_resume(mw_sasl *s, mw_buf *out)
{
    if (s->cred == MWI_CRED_ACCEPT)
        return MW_DONE;
    mw_span json = mwi_bytes_span(&s->oauth_error);
    mw_status st = mwi_sasl_emit(out, &json, 1);
    if (st == MW_OK)
        s->phase = 2;
    return st;
}

mw_status mwi_sasl_oauth_server(mw_sasl *s, const uint8_t *in, size_t len,
                                int has_in, mw_buf *out)
{
    if (s->state == MWI_ST_NEED)
        return oauth_resume(s, out);
    /* After the error challenge the client's answer ("" or kvsep, and
     * whatever a broken client sends instead) only ends the exchange. */
    if (s->phase == 2)
        return MW_E_AUTH;
    if (!has_in) {
        s->phase = 1;
        return MW_OK;
    }
    mw_status st = s->mech == MW_SASL_XOAUTH2 ? xoauth2_parse(s, in, len)
                                              : oauthbearer_parse(s, in, len);
    if (st != MW_OK)
        return st;
    s->identified = 1;
    return MW_NEED_MORE;
}
