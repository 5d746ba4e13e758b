/* mw_send_message() against a hostile server: the input (after two
 * option bytes) is everything the server says, handed out in fuzzer-chosen
 * chunks; whatever it says, the call ends, frees everything, wipes the
 * password and reports a consistent result. */
#include "fuzz_util.h"

#include "mailwire/net_send.h"

#if MW_HAVE_SMTP

typedef struct peer {
    const uint8_t *data;
    size_t len;
    size_t off;
    size_t reads;
    uint8_t selector;
    size_t written;
} peer;

static mw_status peer_send(void *ud, const void *buf, size_t len, size_t *n)
{
    peer *p = ud;
    (void)buf;
    p->written += len;
    *n = len;
    return MW_OK;
}

static mw_status peer_recv(void *ud, void *buf, size_t cap, size_t *n)
{
    peer *p = ud;
    if (p->off == p->len)
        return MW_E_CLOSED;
    size_t k = fuzz_chunk_len(p->selector, p->reads++);
    if (k > p->len - p->off)
        k = p->len - p->off;
    if (k > cap)
        k = cap;
    memcpy(buf, p->data + p->off, k);
    p->off += k;
    *n = k;
    return MW_OK;
}

static mw_status plain_upgrade(mw_transport *t, struct mw_tls_context *ctx,
                               const char *name)
{
    (void)t;
    (void)ctx;
    (void)name;
    return MW_OK;
}

static const mw_smtp_rcpt rcpts[3] = {
    {.path = {.local = {"a", 1}, .domain = {"example.org", 11}}},
    {.path = {.local = {"b", 1}, .domain = {"example.org", 11}}},
    {.path = {.local = {"c", 1}, .domain = {"example.org", 11}}},
};

static void check_reply(const mw_send_reply *r)
{
    const char *nul = memchr(r->text, '\0', sizeof(r->text));
    FUZZ_CHECK(nul != NULL);
    size_t n = (size_t)(nul - r->text);
    for (size_t i = 0; i < n; i++)
        FUZZ_CHECK((unsigned char)r->text[i] >= 0x20 || r->text[i] == '\n');
    FUZZ_CHECK(r->code == 0 || (r->code >= 200 && r->code <= 599));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    uint8_t opt = data[0];
    peer p = {data + 2, size - 2, 0, 0, data[1], 0};
    mw_transport_callbacks cb = {&p, peer_send, peer_recv, NULL, -1};
    mw_transport *t = NULL;
    if (mw_transport_new_callbacks(&cb, NULL, &t) != MW_OK)
        return 0;
    char pw[] = "pencil";
    mw_send_opts o;
    memset(&o, 0, sizeof(o));
    o.size = sizeof(o);
    o.transport = t;
    o.host = "mx.example.org";
    if (opt & 1) {
        o.user.ptr = "user";
        o.user.len = 4;
        o.password = pw;
        o.password_len = 6;
        o.auth_mech = (opt >> 4) & 0x3 ? (uint32_t)((opt >> 4) & 0x3) : 0u;
    }
    if (opt & 2) {
        o.flags |= (opt & 8) ? MW_SEND_TLS : MW_SEND_STARTTLS;
        o.tls_upgrade = plain_upgrade;
    }
    if (opt & 4)
        o.flags |= MW_SEND_NO_PIPELINING;
    mw_send_reply rr[3];
    mw_send_result r;
    memset(&r, 0, sizeof(r));
    r.size = sizeof(r);
    r.rcpts = rr;
    mw_smtp_envelope env;
    memset(&env, 0, sizeof(env));
    env.from.local.ptr = "me";
    env.from.local.len = 2;
    env.from.domain.ptr = "example.org";
    env.from.domain.len = 11;
    env.rcpts = rcpts;
    env.n_rcpts = 1 + (size_t)((opt >> 6) % 3);
    static const char msg[] = "Subject: x\n\n.line\r\nbody";
    mw_send_span_source src = {msg, sizeof(msg) - 1, 0};
    mw_status st = mw_send_message(&o, &env, mw_send_span_read, &src, &r);

    check_reply(&r.final);
    size_t accepted = 0;
    for (size_t i = 0; i < env.n_rcpts; i++) {
        check_reply(&rr[i]);
        accepted += rr[i].code >= 200 && rr[i].code < 300;
    }
    FUZZ_CHECK(accepted == r.n_accepted);
    if (st == MW_OK) {
        FUZZ_CHECK(r.n_accepted >= 1);
        FUZZ_CHECK(r.final.code >= 200 && r.final.code < 300);
        FUZZ_CHECK(src.off == src.len); /* the whole body went out */
    }
    /* A refusal always comes with the reply that made it (which may be a
     * nonsensical 2xx, e.g. 250 to DATA). */
    if (st == MW_E_PEER)
        FUZZ_CHECK(r.final.code != 0);
    for (size_t i = 0; i < sizeof(pw) - 1; i++)
        FUZZ_CHECK(pw[i] == 0 || !(opt & 1));
    mw_transport_close(t);
    return 0;
}

#else
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    (void)data;
    (void)size;
    return 0;
}
#endif
