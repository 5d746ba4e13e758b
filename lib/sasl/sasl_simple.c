/* PLAIN (RFC 4616), LOGIN (draft-murchison-sasl-login) and EXTERNAL
 * (RFC 4422 appendix A): the mechanisms whose messages are the credentials
 * themselves. */
#include <string.h>

#include "sasl_int.h"

static const char login_user_prompt[] = "Username:";
static const char login_pass_prompt[] = "Password:";

static mw_span span_of(const mwi_bytes *b)
{
    return mwi_bytes_span(b);
}

static mw_span lit(const char *text, size_t len)
{
    mw_span sp;
    sp.ptr = text;
    sp.len = len;
    return sp;
}

/* ---- client ------------------------------------------------------------- */

static mw_status plain_response(mw_sasl *s, mw_buf *out)
{
    static const char nul = 0;
    mw_span pieces[5] = {span_of(&s->authzid), lit(&nul, 1),
                         span_of(&s->authcid), lit(&nul, 1),
                         span_of(&s->password)};
    mw_status st = mwi_sasl_emit(out, pieces, 5);
    if (st == MW_OK)
        mwi_bytes_clear(s, &s->password);
    return st;
}

static mw_status login_client(mw_sasl *s, mw_buf *out)
{
    /* The draft's prompts are "Username:" and "Password:", but servers
     * word them differently (and some localise them), so, as every client
     * does, the challenges are answered by their order, not their text. */
    mw_status st;
    if (s->phase == 0) {
        mw_span user = span_of(&s->authcid);
        st = mwi_sasl_emit(out, &user, 1);
    } else if (s->phase == 1) {
        mw_span pass = span_of(&s->password);
        st = mwi_sasl_emit(out, &pass, 1);
        if (st == MW_OK)
            mwi_bytes_clear(s, &s->password);
    } else {
        return MW_E_SYNTAX;
    }
    if (st == MW_OK)
        s->phase++;
    return st;
}

mw_status mwi_sasl_simple_client(mw_sasl *s, const uint8_t *in, size_t len,
                                 mw_buf *out)
{
    (void)in;
    if (s->mech == MW_SASL_LOGIN)
        return login_client(s, out);
    /* PLAIN and EXTERNAL say everything in one message, answering only
     * the empty first challenge. */
    if (s->phase != 0 || len > 0)
        return MW_E_SYNTAX;
    mw_status st;
    if (s->mech == MW_SASL_PLAIN) {
        st = plain_response(s, out);
    } else {
        mw_span authzid = span_of(&s->authzid);
        st = mwi_sasl_emit(out, &authzid, 1);
    }
    if (st == MW_OK)
        s->phase = 1;
    return st;
}

/* ---- server ------------------------------------------------------------- */

static mw_status empty_challenge(mw_sasl *s, mw_buf *out)
{
    (void)out;
    s->phase = 1;
    return MW_OK;
}

/* message = [authzid] NUL authcid NUL passwd, with authcid and passwd
 * non-empty and no further NUL. */
static mw_status plain_parse(mw_sasl *s, const uint8_t *in, size_t len)
{
    size_t nul1 = mwi_sasl_find(in, len, 0, 0);
    if (nul1 == len)
        return MW_E_SYNTAX;
    size_t nul2 = mwi_sasl_find(in, len, nul1 + 1, 0);
    if (nul2 == len || nul2 == nul1 + 1 || nul2 + 1 == len ||
        mwi_sasl_find(in, len, nul2 + 1, 0) != len)
        return MW_E_SYNTAX;
    mw_status st = mwi_bytes_set(s, &s->authzid, in, nul1);
    if (st == MW_OK)
        st = mwi_bytes_set(s, &s->authcid, in + nul1 + 1, nul2 - nul1 - 1);
    if (st == MW_OK)
        st = mwi_bytes_set(s, &s->peer_secret, in + nul2 + 1, len - nul2 - 1);
    if (st != MW_OK)
        return st;
    s->identified = 1;
    return MW_NEED_MORE;
}

static mw_status external_parse(mw_sasl *s, const uint8_t *in, size_t len)
{
    if (mwi_sasl_has_byte(in, len, 0))
        return MW_E_SYNTAX;
    mw_status st = mwi_bytes_set(s, &s->authzid, in, len);
    if (st != MW_OK)
        return st;
    s->identified = 1;
    return MW_NEED_MORE;
}

static mw_status login_server(mw_sasl *s, const uint8_t *in, size_t len,
                              int has_in, mw_buf *out)
{
    if (s->phase == 0 && !has_in) {
        mw_span prompt = lit(login_user_prompt, sizeof(login_user_prompt) - 1);
        mw_status st = mwi_sasl_emit(out, &prompt, 1);
        if (st == MW_OK)
            s->phase = 1;
        return st;
    }
    if (len == 0 || mwi_sasl_has_byte(in, len, 0))
        return MW_E_SYNTAX;
    if (s->phase <= 1) {
        /* Phase 0 with input: the user name came as an initial response,
         * which the draft does not define but Outlook and others send. */
        mw_status st = mwi_bytes_set(s, &s->authcid, in, len);
        if (st != MW_OK)
            return st;
        mw_span prompt = lit(login_pass_prompt, sizeof(login_pass_prompt) - 1);
        st = mwi_sasl_emit(out, &prompt, 1);
        if (st == MW_OK)
            s->phase = 2;
        return st;
    }
    mw_status st = mwi_bytes_set(s, &s->peer_secret, in, len);
    if (st != MW_OK)
        return st;
    s->identified = 1;
    return MW_NEED_MORE;
}

static mw_status simple_resume(mw_sasl *s)
{
    if (s->cred == MWI_CRED_ACCEPT)
        return MW_DONE;
    if (s->cred == MWI_CRED_PASSWORD &&
        mwi_sasl_secret_eq(&s->peer_secret, &s->password))
        return MW_DONE;
    return MW_E_AUTH;
}

mw_status mwi_sasl_simple_server(mw_sasl *s, const uint8_t *in, size_t len,
                                 int has_in, mw_buf *out)
{
    if (s->state == MWI_ST_NEED)
        return simple_resume(s);
    if (s->mech == MW_SASL_LOGIN)
        return login_server(s, in, len, has_in, out);
    if (!has_in)
        return empty_challenge(s, out);
    if (s->mech == MW_SASL_PLAIN)
        return plain_parse(s, in, len);
    return external_parse(s, in, len);
}
