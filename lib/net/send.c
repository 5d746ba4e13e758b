/* The blocking "send one message" convenience: the SMTP client session
 * run by the poll() driver, with the body pumped from a callback. */
#include "mailwire/config.h"

#if MW_HAVE_SMTP

#include <string.h>

#include "mailwire/net_send.h"
#include "mw_int.h"
#include "net/net_int.h"

/* Body bytes read from the callback at a time. */
#define BODY_CHUNK 16384u
/* The pump tops the session's output up while less than this is queued,
 * so that every write is a large one but memory stays bounded. */
#define PUMP_LOW 16384u

typedef enum phase {
    PH_GREETING,
    PH_HELLO,
    PH_STARTTLS,
    PH_AUTH,
    PH_MAIL,
    PH_DATA,
    PH_BODY,
    PH_FINAL,
    PH_QUIT
} phase;

typedef struct send_state {
    const mw_send_opts *o;
    const mw_smtp_envelope *env;
    mw_send_result *r;
    mw_smtp_client *c;
    mw_sasl *sasl;
    mw_send_body_fn read_body;
    void *body_ud;
    mw_net_smtp_timeouts to;
    phase ph;
    int auth_done;
    int txn_started;
    int quit_sent;
    int decided;       /* the outcome is known; only QUIT is left */
    int aborted;       /* drop the connection without another byte */
    mw_status outcome; /* valid once decided */
    int body_eof;
    size_t body_len;
    size_t body_off;
    char body[BODY_CHUNK];
} send_state;

static int is_2xx(uint16_t code)
{
    return code >= 200 && code < 300;
}

static void copy_reply(mw_send_reply *dst, const mw_smtp_reply *src)
{
    memset(dst, 0, sizeof(*dst));
    dst->code = src->code;
    dst->has_enhanced = src->has_enhanced;
    dst->enhanced = src->enhanced;
    size_t n = 0;
    const size_t room = sizeof(dst->text) - 1;
    for (uint32_t i = 0; i < src->n_lines; i++) {
        if (i > 0) {
            if (n == room) {
                dst->truncated = 1;
                break;
            }
            dst->text[n++] = '\n';
        }
        for (size_t j = 0; j < src->lines[i].len; j++) {
            if (n == room) {
                dst->truncated = 1;
                break;
            }
            unsigned char ch = (unsigned char)src->lines[i].ptr[j];
            /* Terminal control bytes from the peer never reach the
             * caller's output. */
            dst->text[n++] = (ch < 0x20 || ch == 0x7f) ? '?' : (char)ch;
        }
    }
    dst->text[n] = '\0';
}

static uint32_t stage_of(phase ph)
{
    static const uint32_t map[] = {
        MW_SEND_STAGE_GREETING, MW_SEND_STAGE_HELLO, MW_SEND_STAGE_STARTTLS,
        MW_SEND_STAGE_AUTH,     MW_SEND_STAGE_MAIL,  MW_SEND_STAGE_MAIL,
        MW_SEND_STAGE_BODY,     MW_SEND_STAGE_FINAL, MW_SEND_STAGE_QUIT};
    return map[ph];
}

static void decide(send_state *s, mw_status st)
{
    if (s->decided)
        return;
    s->decided = 1;
    s->outcome = st;
    s->r->stage = stage_of(s->ph);
}

/* The reply that ended the attempt (or delivered the message). */
static void decide_with(send_state *s, mw_status st,
                        const mw_smtp_client_event *ev)
{
    if (s->decided)
        return;
    if (ev->has_reply)
        copy_reply(&s->r->final, &ev->reply);
    decide(s, st);
}

static mw_status start_auth(send_state *s)
{
    const mw_smtp_caps *caps = mw_smtp_client_caps(s->c);
    uint32_t mech = s->o->auth_mech;
    if (!caps || !(caps->flags & MW_SMTP_CAP_AUTH))
        return MW_E_AUTH;
    if (mech == MW_SASL_NONE) {
        /* The order: strongest first, LOGIN as a last resort. */
        static const struct {
            uint32_t bit;
            uint32_t mech;
        } pref[] = {{MW_SMTP_AUTH_SCRAM_SHA_256, MW_SASL_SCRAM_SHA_256},
                    {MW_SMTP_AUTH_CRAM_MD5, MW_SASL_CRAM_MD5},
                    {MW_SMTP_AUTH_PLAIN, MW_SASL_PLAIN},
                    {MW_SMTP_AUTH_LOGIN, MW_SASL_LOGIN}};
        for (size_t i = 0; i < sizeof(pref) / sizeof(pref[0]); i++) {
            if (caps->auth & pref[i].bit) {
                mech = pref[i].mech;
                break;
            }
        }
        if (mech == MW_SASL_NONE)
            return MW_E_AUTH;
    }
    unsigned char nonce[24];
    mw_status st = mw_net_random(nonce, sizeof(nonce));
    if (st != MW_OK)
        return st;
    mw_sasl_client_config sc;
    memset(&sc, 0, sizeof(sc));
    sc.size = sizeof(sc);
    sc.mech = mech;
    sc.authcid = s->o->user;
    sc.password.ptr = s->o->password;
    sc.password.len = s->o->password_len;
    sc.random.ptr = (const char *)nonce;
    sc.random.len = sizeof(nonce);
    st = mw_sasl_client_new(&sc, s->o->allocator, &s->sasl);
    mwi_wipe(nonce, sizeof(nonce));
    /* The SASL object holds its own copy from here on. */
    if (s->o->password)
        mwi_wipe(s->o->password, s->o->password_len);
    if (st != MW_OK)
        return st == MW_E_ARG ? MW_E_AUTH : st;
    s->r->auth_mech = mech;
    st = mw_smtp_client_auth(s->c, s->sasl);
    /* A named mechanism the server does not offer is a refusal to
     * authenticate, not a missing feature of ours. */
    return st == MW_E_UNSUPPORTED ? MW_E_AUTH : st;
}

static mw_status start_txn(send_state *s)
{
    mw_status st = mw_smtp_client_send(s->c, s->env);
    if (st == MW_OK) {
        s->txn_started = 1;
        s->ph = PH_MAIL;
    }
    return st;
}

/* The session is idle: make the next request. */
static mw_status advance(send_state *s)
{
    if (!mw_smtp_client_idle(s->c))
        return MW_OK;
    mw_status st = MW_OK;
    if (s->decided || s->txn_started) {
        if (!s->quit_sent) {
            s->quit_sent = 1;
            s->ph = PH_QUIT;
            st = mw_smtp_client_quit(s->c);
        }
        return st;
    }
    if ((s->o->flags & MW_SEND_STARTTLS) && !mw_smtp_client_is_tls(s->c)) {
        s->ph = PH_STARTTLS;
        st = mw_smtp_client_starttls(s->c);
    } else if (s->o->user.len > 0 && !s->auth_done) {
        s->ph = PH_AUTH;
        st = start_auth(s);
    } else {
        st = start_txn(s);
    }
    if (st != MW_OK) {
        decide(s, st);
        return advance(s);
    }
    return MW_OK;
}

static void on_rcpt(send_state *s, const mw_smtp_client_event *ev)
{
    if (is_2xx(ev->reply.code))
        s->r->n_accepted++;
    if (s->r->rcpts && ev->index < s->env->n_rcpts)
        copy_reply(&s->r->rcpts[ev->index], &ev->reply);
    if (ev->index + 1 == s->env->n_rcpts && s->ph == PH_MAIL)
        s->ph = PH_DATA; /* what comes next is the reply to DATA */
}

static void on_event(send_state *s, const mw_smtp_client_event *ev)
{
    int ok = ev->has_reply && is_2xx(ev->reply.code);
    switch (ev->type) {
    case MW_SMTP_CEV_GREETING:
        if (!ok)
            decide_with(s, MW_E_PEER, ev);
        else
            s->ph = PH_HELLO;
        break;
    case MW_SMTP_CEV_HELLO:
        if (!ok && !(ev->flags & MW_SMTP_CEVF_FALLBACK))
            decide_with(s, MW_E_PEER, ev);
        break;
    case MW_SMTP_CEV_STARTTLS:
        if (ev->reply.code != 220)
            decide_with(s, MW_E_PEER, ev);
        break;
    case MW_SMTP_CEV_AUTH:
        s->auth_done = 1;
        mw_sasl_free(s->sasl);
        s->sasl = NULL;
        if (ev->status != MW_OK)
            decide_with(s, MW_E_AUTH, ev);
        else
            s->ph = PH_MAIL;
        break;
    case MW_SMTP_CEV_RCPT:
        on_rcpt(s, ev);
        break;
    case MW_SMTP_CEV_DATA:
        if (ev->flags & MW_SMTP_CEVF_BODY)
            s->ph = PH_BODY;
        break;
    case MW_SMTP_CEV_BDAT:
        break;
    case MW_SMTP_CEV_MESSAGE:
        decide_with(s, ok ? MW_OK : MW_E_PEER, ev);
        break;
    case MW_SMTP_CEV_CLOSED:
        decide_with(s, MW_E_PEER, ev);
        break;
    default:
        break;
    }
    /* BDAT: the body may start with the last RCPT reply. */
    if ((ev->flags & MW_SMTP_CEVF_BODY) && s->ph != PH_BODY)
        s->ph = PH_BODY;
    if (ev->flags & MW_SMTP_CEVF_FAILED)
        decide_with(s, MW_E_PEER, ev);
    if ((ev->flags & MW_SMTP_CEVF_TXN_END) && !s->decided)
        decide_with(s, MW_E_PEER, ev);
    if (ev->type == MW_SMTP_CEV_DATA && s->ph != PH_BODY && !ok)
        decide_with(s, MW_E_PEER, ev);
}

/* ---- driver operations ------------------------------------------- */

static mw_status op_feed(void *ud, const char *data, size_t len,
                         size_t *consumed)
{
    send_state *s = ud;
    size_t off = 0;
    *consumed = 0;
    while (off < len && !s->aborted) {
        size_t used = 0;
        mw_smtp_client_event ev;
        mw_status st =
            mw_smtp_client_feed(s->c, data + off, len - off, &used, &ev);
        off += used;
        *consumed = off;
        if (st == MW_NEED_MORE)
            break;
        if (st == MW_E_NOSPACE)
            return MW_E_WOULDBLOCK;
        if (st != MW_OK)
            return st;
        on_event(s, &ev);
        if (ev.flags & MW_SMTP_CEVF_IDLE) {
            st = advance(s);
            if (st != MW_OK)
                return st;
        }
    }
    return MW_OK;
}

/* Move body bytes from the callback into the session. */
static void pump_body(send_state *s)
{
    for (;;) {
        size_t queued = 0;
        (void)mw_smtp_client_output(s->c, &queued);
        if (queued >= PUMP_LOW)
            return;
        if (s->body_off == s->body_len && !s->body_eof) {
            size_t n = 0;
            mw_status st =
                s->read_body(s->body_ud, s->body, sizeof(s->body), &n);
            if (st == MW_DONE) {
                s->body_eof = 1;
            } else if (st != MW_OK || n == 0 || n > sizeof(s->body)) {
                /* Never end DATA on a body we could not read: the server
                 * must not deliver a truncated message. */
                decide(s, st != MW_OK ? st : MW_E_IO);
                s->aborted = 1;
                return;
            } else {
                s->body_len = n;
                s->body_off = 0;
            }
        }
        if (s->body_off < s->body_len) {
            size_t acc = 0;
            mw_status st = mw_smtp_client_body(s->c, s->body + s->body_off,
                                               s->body_len - s->body_off, &acc);
            if (st != MW_OK) {
                decide(s, st);
                s->aborted = st != MW_E_PEER;
                return;
            }
            s->body_off += acc;
            if (acc == 0)
                return; /* output limit reached: drain first */
            continue;
        }
        mw_status st = mw_smtp_client_body_end(s->c);
        if (st == MW_OK) {
            s->ph = PH_FINAL;
        } else if (st != MW_E_NOSPACE && st != MW_E_WOULDBLOCK) {
            decide(s, st);
            s->aborted = 1;
        }
        return;
    }
}

static const char *op_output(void *session, size_t *len)
{
    send_state *s = session;
    if (s->ph == PH_BODY && !s->aborted)
        pump_body(s);
    if (s->aborted) {
        *len = 0;
        return NULL;
    }
    return mw_smtp_client_output(s->c, len);
}

static void op_output_done(void *session, size_t n)
{
    send_state *s = session;
    mw_status st = mw_smtp_client_output_done(s->c, n);
    if (st != MW_OK) {
        decide(s, st);
        s->aborted = 1;
    }
}

static unsigned op_wants(void *session)
{
    send_state *s = session;
    if (s->aborted)
        return MW_WANT_CLOSE;
    return mw_smtp_client_wants(s->c);
}

static mw_status op_tls_done(void *session, int ok)
{
    send_state *s = session;
    s->r->tls = ok ? 1u : 0u;
    return mw_smtp_client_tls_done(s->c, ok);
}

static const char *peer_name(const mw_send_opts *o)
{
    return o->tls_peer_name ? o->tls_peer_name : o->host;
}

static mw_status op_start_tls(void *ud, mw_transport *t)
{
    send_state *s = ud;
    s->ph = PH_STARTTLS;
    return s->o->tls_upgrade(t, s->o->tls_ctx, peer_name(s->o));
}

static int32_t op_timeout(void *ud)
{
    const send_state *s = ud;
    switch (s->ph) {
    case PH_GREETING:
        return s->to.initial;
    case PH_MAIL:
        return s->to.rcpt;
    case PH_DATA:
        return s->to.data_init;
    case PH_BODY:
        return s->to.data_block;
    case PH_FINAL:
        return s->to.data_term;
    default:
        return s->to.other;
    }
}

/* ---- connection --------------------------------------------------- */

static void note_tls_error(const send_state *s, const mw_transport *t)
{
    if (!s->o->tls_error)
        return;
    const char *why = s->o->tls_error(t);
    if (!why)
        return;
    size_t n = strlen(why);
    if (n >= sizeof(s->r->tls_error))
        n = sizeof(s->r->tls_error) - 1;
    memcpy(s->r->tls_error, why, n);
    s->r->tls_error[n] = '\0';
}

static mw_status implicit_tls(send_state *s, mw_transport *t)
{
    mw_status st = s->o->tls_upgrade(t, s->o->tls_ctx, peer_name(s->o));
    uint64_t start = mw_net_monotonic_ms();
    while (st == MW_OK) {
        st = mw_transport_handshake(t);
        if (st != MW_E_WOULDBLOCK)
            break;
        int32_t left = s->to.initial;
        if (left >= 0) {
            uint64_t spent = mw_net_monotonic_ms() - start;
            if (spent >= (uint64_t)left)
                return MW_E_TIMEOUT;
            left -= (int32_t)spent;
        }
        int fd = mw_transport_fd(t);
        st = fd < 0 ? MW_OK : mw_net_wait(fd, mw_transport_wants(t), left);
    }
    if (st == MW_OK)
        s->r->tls = 1;
    return st;
}

static mw_status open_transport(send_state *s, mw_transport **t_out)
{
    const mw_send_opts *o = s->o;
    if (o->transport) {
        *t_out = o->transport;
        return MW_OK;
    }
    mw_net_connect_opts co;
    memset(&co, 0, sizeof(co));
    co.size = sizeof(co);
    co.flags = (o->flags & MW_SEND_NUMERIC_HOST) ? MW_NET_NUMERIC_HOST : 0u;
    co.timeout_ms = o->connect_timeout_ms;
    const char *port = o->port;
    if (!port)
        port = (o->flags & MW_SEND_TLS) ? "465" : "25";
    return mw_net_connect(o->host, port, &co, o->allocator, t_out, &s->r->net);
}

static mw_status check_opts(const mw_send_opts *o, const mw_smtp_envelope *env,
                            mw_send_body_fn read_body)
{
    if (!o || o->size < sizeof(mw_send_opts) || !env || !read_body)
        return MW_E_ARG;
    if (!o->transport && !o->host)
        return MW_E_ARG;
    if ((o->flags & MW_SEND_TLS) && (o->flags & MW_SEND_STARTTLS))
        return MW_E_ARG;
    if ((o->flags & (MW_SEND_TLS | MW_SEND_STARTTLS)) && !o->tls_upgrade)
        return MW_E_UNSUPPORTED;
    if (o->user.len > 0 && !o->password)
        return MW_E_ARG;
    return MW_OK;
}

static mw_status run_session(send_state *s, mw_transport *t)
{
    mw_smtp_client_config cc;
    memset(&cc, 0, sizeof(cc));
    cc.size = sizeof(cc);
    cc.helo = s->o->helo;
    if (s->o->flags & MW_SEND_NO_PIPELINING)
        cc.flags |= MW_SMTP_CLIENT_NO_PIPELINING;
    if (s->r->tls)
        cc.flags |= MW_SMTP_CLIENT_TLS_ACTIVE;
    mw_status st = mw_smtp_client_new(&cc, s->o->allocator, &s->c);
    if (st != MW_OK)
        return st;

    mw_net_session_ops ops;
    memset(&ops, 0, sizeof(ops));
    ops.session = s;
    ops.ud = s;
    ops.feed = op_feed;
    ops.output = op_output;
    ops.output_done = op_output_done;
    ops.wants = op_wants;
    ops.tls_done = op_tls_done;
    ops.start_tls = s->o->tls_upgrade ? op_start_tls : NULL;
    ops.timeout_ms = op_timeout;
    mw_net_run_opts ro;
    memset(&ro, 0, sizeof(ro));
    ro.size = sizeof(ro);
    ro.allocator = s->o->allocator;
    st = mw_net_run(t, &ops, &ro, &s->r->io);
    if (st == MW_E_TLS)
        note_tls_error(s, t);
    if (st == MW_E_CLOSED)
        (void)mw_smtp_client_eof(s->c);
    mw_sasl_free(s->sasl);
    s->sasl = NULL;
    mw_smtp_client_free(s->c);
    s->c = NULL;

    if (s->decided && s->outcome == MW_OK)
        return MW_OK; /* delivered; trouble at QUIT does not undo that */
    if (s->decided &&
        (st == MW_OK || s->outcome == MW_E_PEER || s->outcome == MW_E_AUTH))
        return s->outcome;
    if (st == MW_OK)
        return MW_E_CLOSED; /* the session ended without a verdict */
    return st;
}

mw_status mw_send_message(const mw_send_opts *opts, const mw_smtp_envelope *env,
                          mw_send_body_fn read_body, void *body_ud,
                          mw_send_result *result)
{
    mw_send_result local;
    mw_send_result *r = result;
    if (!r || r->size < sizeof(*r)) {
        memset(&local, 0, sizeof(local));
        r = &local;
    }
    mw_send_reply *rcpts = r == result ? r->rcpts : NULL;
    memset(r, 0, sizeof(*r));
    r->size = sizeof(*r);
    r->rcpts = rcpts;
    if (rcpts && env)
        memset(rcpts, 0, env->n_rcpts * sizeof(*rcpts));

    mw_status st = check_opts(opts, env, read_body);
    if (st != MW_OK) {
        if (opts && opts->size >= sizeof(mw_send_opts) && opts->password)
            mwi_wipe(opts->password, opts->password_len);
        return st;
    }
    send_state *s = mwi_calloc(opts->allocator, sizeof(*s));
    if (!s) {
        if (opts->password)
            mwi_wipe(opts->password, opts->password_len);
        return MW_E_NOMEM;
    }
    s->o = opts;
    s->env = env;
    s->r = r;
    s->read_body = read_body;
    s->body_ud = body_ud;
    s->ph = PH_GREETING;
    if (opts->timeouts)
        s->to = *opts->timeouts;
    else
        mw_net_smtp_timeouts_default(&s->to);

    mw_transport *t = NULL;
    r->stage = MW_SEND_STAGE_CONNECT;
    st = open_transport(s, &t);
    if (st == MW_OK && (opts->flags & MW_SEND_TLS)) {
        st = implicit_tls(s, t);
        if (st == MW_E_TLS)
            note_tls_error(s, t);
    }
    if (st == MW_OK) {
        st = run_session(s, t);
        if (!s->decided)
            r->stage = stage_of(s->ph);
    }
    if (t && t != opts->transport)
        mw_transport_close(t);
    if (opts->password)
        mwi_wipe(opts->password, opts->password_len);
    mwi_wipe(s->body, sizeof(s->body));
    mwi_free(opts->allocator, s, sizeof(*s));
    return st;
}

mw_status mw_send_span_read(void *ud, char *buf, size_t cap, size_t *n_out)
{
    mw_send_span_source *src = ud;
    if (!src || !buf || !n_out || (src->len > 0 && !src->data) ||
        src->off > src->len)
        return MW_E_ARG;
    size_t n = src->len - src->off;
    if (n == 0)
        return MW_DONE;
    if (n > cap)
        n = cap;
    memcpy(buf, src->data + src->off, n);
    src->off += n;
    *n_out = n;
    return MW_OK;
}

#else
/* Without SMTP there is nothing to send with; ISO C wants a declaration. */
typedef int mwi_net_send_unused;
#endif
