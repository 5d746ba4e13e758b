/* Typed view of the value tree: response classification and the grammar
 * checks of RFC 3501 / RFC 9051 section 9 for response data, response
 * codes, FETCH attributes, ENVELOPE and BODYSTRUCTURE. */
#include <string.h>

#include "imap_int.h"
#include "mw_int.h"

/* BODYSTRUCTURE nesting accepted by the validator (the parser's depth
 * limit normally stops far earlier). */
#define BODY_DEPTH_MAX 64

/* ------------------------------------------------------------------ */
/* Value helpers                                                       */
/* ------------------------------------------------------------------ */

/* The internal calls use these static helpers rather than the exported
 * functions: in a shared-library build those cannot be inlined (they may
 * be interposed), and the validators call them for every node. */
static int v_nil(const mw_imap_value *v)
{
    return v && v->type == MW_IMAP_V_ATOM && (v->flags & MW_IMAP_VF_NIL);
}

/* The type tests of a node known to exist (the validators' walks never
 * hold NULL), without the NULL checks of the public helpers. */
static int string_node(const mw_imap_value *v)
{
    return (unsigned)v->type - MW_IMAP_V_QUOTED <=
           MW_IMAP_V_LITERAL - MW_IMAP_V_QUOTED;
}

static int nil_node(const mw_imap_value *v)
{
    return v->type == MW_IMAP_V_ATOM && (v->flags & MW_IMAP_VF_NIL);
}

static int list_node(const mw_imap_value *v)
{
    return v->type == MW_IMAP_V_LIST;
}

static int number_node(const mw_imap_value *v)
{
    return v->type == MW_IMAP_V_ATOM && (v->flags & MW_IMAP_VF_NUMBER);
}

/* v_string() || v_nil() of a node with one branch: NIL and strings are
 * both common (absent body fields, address routes). */
static int nstring_node(const mw_imap_value *v)
{
    unsigned t = v->type;
    if (t == MW_IMAP_V_ATOM)
        return (v->flags & MW_IMAP_VF_NIL) != 0;
    return t - MW_IMAP_V_QUOTED <= MW_IMAP_V_LITERAL - MW_IMAP_V_QUOTED;
}

static int v_string(const mw_imap_value *v)
{
    return v && (v->type == MW_IMAP_V_QUOTED || v->type == MW_IMAP_V_LITERAL);
}

static const mw_imap_value *v_child(const mw_imap_value *v, uint32_t i)
{
    if (!v || i >= v->count)
        return NULL;
    const mw_imap_value *c = v + 1;
    while (i--)
        c += c->subtree;
    return c;
}

static int v_atom(const mw_imap_value *v, const char *word)
{
    return v && word && v->type == MW_IMAP_V_ATOM &&
           mwi_imap_span_is(v->str.ptr, v->str.len, word);
}

static unsigned char upper_ascii(unsigned char c)
{
    return c >= 'a' && c <= 'z' ? (unsigned char)(c - 32) : c;
}

/* Whether the \p len bytes at \p a and \p b are the same, for len >= 4:
 * a few overlapping word loads instead of a loop. */
static int same_bytes(const char *a, const char *b, size_t len)
{
    uint64_t x, y;
    size_t i = 0;
    for (; len - i > 8; i += 8) {
        memcpy(&x, a + i, 8);
        memcpy(&y, b + i, 8);
        if (x != y)
            return 0;
    }
    if (len >= 8) {
        memcpy(&x, a + len - 8, 8);
        memcpy(&y, b + len - 8, 8);
        return x == y;
    }
    uint32_t u, w;
    memcpy(&u, a, 4);
    memcpy(&w, b, 4);
    if (u != w)
        return 0;
    memcpy(&u, a + len - 4, 4);
    memcpy(&w, b + len - 4, 4);
    return u == w;
}

/* mwi_imap_span_is() for a word of known length \p len: one exact
 * comparison first (names arrive in the case of the tables nearly
 * always), then byte by byte without case. */
static int same_word(const char *s, const char *word, size_t len)
{
    if (len >= 4 && same_bytes(s, word, len))
        return 1;
    for (size_t i = 0; i < len; i++) {
        unsigned char a = (unsigned char)s[i], b = (unsigned char)word[i];
        if (a != b && upper_ascii(a) != upper_ascii(b))
            return 0;
    }
    return 1;
}

/* Whether \p s is \p word of \p len bytes (ASCII case-insensitive); the
 * length rules out most candidates before any byte is compared. */
static int word_is(mw_span s, const char *word, size_t len)
{
    return s.len == len && same_word(s.ptr, word, len);
}

#define WORD_IS(span, word) word_is(span, word, sizeof(word) - 1)

/* v_atom() for a literal word. */
#define ATOM_IS(v, word)                                                       \
    ((v) && (v)->type == MW_IMAP_V_ATOM && WORD_IS((v)->str, word))

const mw_imap_value *mw_imap_value_next(const mw_imap_value *v)
{
    return v ? v + v->subtree : NULL;
}

const mw_imap_value *mw_imap_value_child(const mw_imap_value *v, uint32_t i)
{
    return v_child(v, i);
}

int mw_imap_value_is_nil(const mw_imap_value *v)
{
    return v_nil(v);
}

int mw_imap_value_is_string(const mw_imap_value *v)
{
    return v_string(v);
}

int mw_imap_value_is_atom(const mw_imap_value *v, const char *word)
{
    return v_atom(v, word);
}

static int is_stringish(uint8_t t)
{
    return t == MW_IMAP_V_QUOTED || t == MW_IMAP_V_LITERAL;
}

static int node_equal(const mw_imap_value *a, const mw_imap_value *b)
{
    const uint8_t keep = MW_IMAP_VF_NIL | MW_IMAP_VF_LIT8 |
                         MW_IMAP_VF_STREAMED | MW_IMAP_VF_PARTIAL |
                         MW_IMAP_VF_PARTIAL_LEN;
    if (a->type != b->type && !(is_stringish(a->type) && is_stringish(b->type)))
        return 0;
    if ((a->flags & keep) != (b->flags & keep) || a->count != b->count ||
        a->subtree != b->subtree)
        return 0;
    if ((a->flags & MW_IMAP_VF_STREAMED) && a->num != b->num)
        return 0;
    if ((a->flags & MW_IMAP_VF_PARTIAL) && a->num != b->num)
        return 0;
    if ((a->flags & MW_IMAP_VF_PARTIAL_LEN) && a->num2 != b->num2)
        return 0;
    if (a->str.len != b->str.len)
        return 0;
    return a->str.len == 0 || memcmp(a->str.ptr, b->str.ptr, a->str.len) == 0;
}

int mw_imap_value_equal(const mw_imap_value *a, const mw_imap_value *b)
{
    if (!a || !b)
        return a == b;
    if (a->subtree != b->subtree)
        return 0;
    for (uint32_t k = 0; k < a->subtree; k++)
        if (!node_equal(a + k, b + k))
            return 0;
    return 1;
}

int mw_imap_unit_equal(const mw_imap_unit *a, const mw_imap_unit *b)
{
    if (!a || !b)
        return a == b;
    if (a->kind != b->kind || a->n_top != b->n_top ||
        a->n_values != b->n_values || a->tag.len != b->tag.len)
        return 0;
    if (a->tag.len && memcmp(a->tag.ptr, b->tag.ptr, a->tag.len) != 0)
        return 0;
    for (uint32_t k = 0; k < a->n_values; k++)
        if (!node_equal(a->values + k, b->values + k))
            return 0;
    return 1;
}

/* ------------------------------------------------------------------ */
/* Grammar checks                                                      */
/* ------------------------------------------------------------------ */

static mw_status bad(mw_imap_error *err, const mw_imap_value *at,
                     uint64_t fallback, const char *expected)
{
    if (err) {
        err->offset = at ? at->offset : fallback;
        err->expected = expected;
    }
    return MW_E_SYNTAX;
}

static int is_nstring(const mw_imap_value *v)
{
    return v && nstring_node(v);
}

static int is_astring(const mw_imap_value *v)
{
    return v && (v->type == MW_IMAP_V_ATOM || v_string(v));
}

static int is_number(const mw_imap_value *v)
{
    return v && v->type == MW_IMAP_V_ATOM && (v->flags & MW_IMAP_VF_NUMBER);
}

static int is_list(const mw_imap_value *v)
{
    return v && v->type == MW_IMAP_V_LIST;
}

static int all_atoms(const mw_imap_value *first, uint32_t n)
{
    const mw_imap_value *v = first;
    for (uint32_t i = 0; i < n; i++, v += v->subtree)
        if (v->type != MW_IMAP_V_ATOM)
            return 0;
    return 1;
}

static int all_numbers(const mw_imap_value *first, uint32_t n)
{
    const mw_imap_value *v = first;
    for (uint32_t i = 0; i < n; i++, v += v->subtree)
        if (!is_number(v))
            return 0;
    return 1;
}

/* A sequence set, as an atom; "$" is accepted too (RFC 5182). */
static int is_seqset(const mw_imap_value *v)
{
    size_t n;
    return v && v->type == MW_IMAP_V_ATOM &&
           mw_imap_seqset_parse(v->str.ptr, v->str.len, NULL, 0, &n, NULL) ==
               MW_OK;
}

/* ------------------------------------------------------------------ */
/* Response codes                                                      */
/* ------------------------------------------------------------------ */

typedef struct name_map {
    const char *name;
    size_t len; /* strlen(name) */
    uint32_t value;
} name_map;

/* A table entry: the length is compared first, which rules out most
 * entries with one comparison. */
#define NAME(word, value)                                                      \
    {                                                                          \
        word, sizeof(word) - 1, value                                          \
    }

static const name_map code_names[] = {
    NAME("ALERT", MW_IMAP_C_ALERT),
    NAME("CAPABILITY", MW_IMAP_C_CAPABILITY),
    NAME("PERMANENTFLAGS", MW_IMAP_C_PERMANENTFLAGS),
    NAME("READ-ONLY", MW_IMAP_C_READ_ONLY),
    NAME("READ-WRITE", MW_IMAP_C_READ_WRITE),
    NAME("TRYCREATE", MW_IMAP_C_TRYCREATE),
    NAME("UIDNEXT", MW_IMAP_C_UIDNEXT),
    NAME("UIDVALIDITY", MW_IMAP_C_UIDVALIDITY),
    NAME("UNSEEN", MW_IMAP_C_UNSEEN),
    NAME("APPENDUID", MW_IMAP_C_APPENDUID),
    NAME("COPYUID", MW_IMAP_C_COPYUID),
    NAME("HIGHESTMODSEQ", MW_IMAP_C_HIGHESTMODSEQ),
    NAME("NOMODSEQ", MW_IMAP_C_NOMODSEQ),
    NAME("MODIFIED", MW_IMAP_C_MODIFIED),
    NAME("CLOSED", MW_IMAP_C_CLOSED),
    NAME("BADCHARSET", MW_IMAP_C_BADCHARSET),
    NAME("PARSE", MW_IMAP_C_PARSE),
    NAME("UIDNOTSTICKY", MW_IMAP_C_UIDNOTSTICKY),
    NAME("UNAVAILABLE", MW_IMAP_C_UNAVAILABLE),
    NAME("AUTHENTICATIONFAILED", MW_IMAP_C_AUTHENTICATIONFAILED),
    NAME("AUTHORIZATIONFAILED", MW_IMAP_C_AUTHORIZATIONFAILED),
    NAME("EXPIRED", MW_IMAP_C_EXPIRED),
    NAME("PRIVACYREQUIRED", MW_IMAP_C_PRIVACYREQUIRED),
    NAME("CONTACTADMIN", MW_IMAP_C_CONTACTADMIN),
    NAME("NOPERM", MW_IMAP_C_NOPERM),
    NAME("INUSE", MW_IMAP_C_INUSE),
    NAME("EXPUNGEISSUED", MW_IMAP_C_EXPUNGEISSUED),
    NAME("CORRUPTION", MW_IMAP_C_CORRUPTION),
    NAME("SERVERBUG", MW_IMAP_C_SERVERBUG),
    NAME("CLIENTBUG", MW_IMAP_C_CLIENTBUG),
    NAME("CANNOT", MW_IMAP_C_CANNOT),
    NAME("LIMIT", MW_IMAP_C_LIMIT),
    NAME("OVERQUOTA", MW_IMAP_C_OVERQUOTA),
    NAME("ALREADYEXISTS", MW_IMAP_C_ALREADYEXISTS),
    NAME("NONEXISTENT", MW_IMAP_C_NONEXISTENT),
    NAME("HASCHILDREN", MW_IMAP_C_HASCHILDREN),
    NAME("COMPRESSIONACTIVE", MW_IMAP_C_COMPRESSIONACTIVE),
    NAME("UNKNOWN-CTE", MW_IMAP_C_UNKNOWN_CTE),
};

/* The tables hold upper-case names: the length and the first byte filter
 * cheaply. */
static uint32_t lookup(const name_map *m, size_t n, mw_span s, uint32_t dflt)
{
    if (s.len == 0)
        return dflt;
    unsigned char c0 = (unsigned char)s.ptr[0];
    if (c0 >= 'a' && c0 <= 'z')
        c0 = (unsigned char)(c0 - 32);
    for (size_t i = 0; i < n; i++)
        if (m[i].len == s.len && (unsigned char)m[i].name[0] == c0 &&
            same_word(s.ptr, m[i].name, s.len))
            return m[i].value;
    return dflt;
}

static mw_status code_args(mw_imap_code *c, const mw_imap_value *v,
                           mw_imap_error *err)
{
    const mw_imap_value *a = c->args;
    const mw_imap_value *b = a ? a + a->subtree : NULL;
    const mw_imap_value *d = c->n_args > 2 ? b + b->subtree : NULL;
    switch (c->type) {
    case MW_IMAP_C_UIDNEXT:
    case MW_IMAP_C_UIDVALIDITY:
    case MW_IMAP_C_UNSEEN:
    case MW_IMAP_C_HIGHESTMODSEQ:
        if (c->n_args != 1 || !is_number(a))
            return bad(err, a, v->offset, "number");
        c->number = a->num;
        return MW_OK;
    case MW_IMAP_C_APPENDUID:
        if (c->n_args != 2 || !is_number(a))
            return bad(err, a, v->offset, "number");
        if (!is_seqset(b))
            return bad(err, b, v->offset, "uid-set");
        c->number = a->num;
        return MW_OK;
    case MW_IMAP_C_COPYUID:
        if (c->n_args != 3 || !is_number(a))
            return bad(err, a, v->offset, "number");
        if (!is_seqset(b))
            return bad(err, b, v->offset, "uid-set");
        if (!is_seqset(d))
            return bad(err, d, v->offset, "uid-set");
        c->number = a->num;
        return MW_OK;
    case MW_IMAP_C_MODIFIED:
        if (c->n_args != 1 || !is_seqset(a))
            return bad(err, a, v->offset, "sequence-set");
        return MW_OK;
    case MW_IMAP_C_PERMANENTFLAGS:
        if (c->n_args != 1 || !is_list(a) || !all_atoms(a + 1, a->count))
            return bad(err, a, v->offset, "flag list");
        return MW_OK;
    case MW_IMAP_C_CAPABILITY:
        if (c->n_args < 1 || !all_atoms(a, c->n_args))
            return bad(err, a, v->offset, "capability");
        return MW_OK;
    case MW_IMAP_C_BADCHARSET:
        if (c->n_args > 1 || (c->n_args == 1 && !is_list(a)))
            return bad(err, a, v->offset, "charset list");
        return MW_OK;
    default:
        /* Codes without defined arguments keep whatever they carry:
         * servers append explanations (e.g. "[ALERT ...]" variants), and
         * RFC 3501 allows text after unknown codes. */
        return MW_OK;
    }
}

mw_status mw_imap_code_get(const mw_imap_value *v, mw_imap_code *c,
                           mw_imap_error *err)
{
    if (!v || !c || v->type != MW_IMAP_V_CODE)
        return MW_E_ARG;
    memset(c, 0, sizeof(*c));
    c->name = v->str;
    c->n_args = v->count;
    c->args = v->count ? v + 1 : NULL;
    c->type = lookup(code_names, MWI_ARRAY_LEN(code_names), v->str,
                     MW_IMAP_C_UNKNOWN);
    return code_args(c, v, err);
}

/* ------------------------------------------------------------------ */
/* ENVELOPE and addresses                                              */
/* ------------------------------------------------------------------ */

static mw_status address_get(const mw_imap_value *v, mw_imap_address *a,
                             mw_imap_error *err)
{
    if (!is_list(v) || v->count != 4)
        return bad(err, v, 0, "address");
    /* Unrolled: a table of field pointers cost more than the checks. */
    const mw_imap_value *f = v + 1;
    if (!nstring_node(f))
        return bad(err, f, 0, "nstring");
    a->name = f;
    f += f->subtree;
    if (!nstring_node(f))
        return bad(err, f, 0, "nstring");
    a->adl = f;
    f += f->subtree;
    if (!nstring_node(f))
        return bad(err, f, 0, "nstring");
    a->mailbox = f;
    f += f->subtree;
    if (!nstring_node(f))
        return bad(err, f, 0, "nstring");
    a->host = f;
    return MW_OK;
}

mw_status mw_imap_address_get(const mw_imap_value *v, mw_imap_address *a,
                              mw_imap_error *err)
{
    if (!v || !a)
        return MW_E_ARG;
    return address_get(v, a, err);
}

static mw_status address_list(const mw_imap_value *v, mw_imap_error *err)
{
    if (v_nil(v))
        return MW_OK;
    /* An empty list "()" is tolerated for NIL: it is unambiguous and some
     * servers write it for an empty header. */
    if (!is_list(v))
        return bad(err, v, 0, "address list");
    const mw_imap_value *a = v + 1;
    for (uint32_t i = 0; i < v->count; i++, a += a->subtree) {
        mw_imap_address addr;
        mw_status st = address_get(a, &addr, err);
        if (st != MW_OK)
            return st;
    }
    return MW_OK;
}

static mw_status envelope_get(const mw_imap_value *v, mw_imap_envelope *e,
                              mw_imap_error *err)
{
    if (!is_list(v) || v->count != 10)
        return bad(err, v, 0, "envelope");
    const mw_imap_value *f = v + 1;
    e->date = f;
    if (!nstring_node(f))
        return bad(err, f, 0, "nstring");
    f += f->subtree;
    e->subject = f;
    if (!nstring_node(f))
        return bad(err, f, 0, "nstring");
    f += f->subtree;
    const mw_imap_value **lists[6] = {&e->from, &e->sender, &e->reply_to,
                                      &e->to,   &e->cc,     &e->bcc};
    for (int i = 0; i < 6; i++, f += f->subtree) {
        *lists[i] = f;
        mw_status st = address_list(f, err);
        if (st != MW_OK)
            return st;
    }
    e->in_reply_to = f;
    if (!nstring_node(f))
        return bad(err, f, 0, "nstring");
    f += f->subtree;
    e->message_id = f;
    if (!nstring_node(f))
        return bad(err, f, 0, "nstring");
    return MW_OK;
}

mw_status mw_imap_envelope_get(const mw_imap_value *v, mw_imap_envelope *e,
                               mw_imap_error *err)
{
    if (!v || !e)
        return MW_E_ARG;
    return envelope_get(v, e, err);
}

/* ------------------------------------------------------------------ */
/* BODYSTRUCTURE                                                       */
/* ------------------------------------------------------------------ */

static int is_param_list(const mw_imap_value *v)
{
    if (nil_node(v))
        return 1;
    /* "()" is tolerated as an empty parameter list: several servers send
     * it, and it cannot be mistaken for anything else. */
    if (!list_node(v) || v->count % 2)
        return 0;
    const mw_imap_value *c = v + 1;
    for (uint32_t i = 0; i < v->count; i++, c += c->subtree)
        if (!string_node(c))
            return 0;
    return 1;
}

static int is_body_extension(const mw_imap_value *v, int depth)
{
    if (depth > BODY_DEPTH_MAX)
        return 0;
    if (nstring_node(v) || number_node(v))
        return 1;
    if (!list_node(v) || v->count == 0)
        return 0;
    const mw_imap_value *c = v + 1;
    for (uint32_t i = 0; i < v->count; i++, c += c->subtree)
        if (!is_body_extension(c, depth + 1))
            return 0;
    return 1;
}

static int is_disposition(const mw_imap_value *v)
{
    if (nil_node(v))
        return 1;
    return list_node(v) && v->count == 2 && string_node(v + 1) &&
           is_param_list(v + 2);
}

static int is_language(const mw_imap_value *v)
{
    if (nstring_node(v))
        return 1;
    if (!list_node(v) || v->count == 0)
        return 0;
    const mw_imap_value *c = v + 1;
    for (uint32_t i = 0; i < v->count; i++, c += c->subtree)
        if (!string_node(c))
            return 0;
    return 1;
}

/* Extension fields after the fixed part: the first is md5 (single part)
 * or params (multipart), then disposition, language, location, more. */
static mw_status body_extensions(const mw_imap_value *f, uint32_t left,
                                 mw_imap_body *b, mw_imap_error *err)
{
    if (left == 0)
        return MW_OK;
    if (b->multipart) {
        if (!is_param_list(f))
            return bad(err, f, 0, "body parameters");
        b->params = f;
    } else {
        if (!nstring_node(f))
            return bad(err, f, 0, "body MD5");
        b->md5 = f;
    }
    f += f->subtree;
    if (--left == 0)
        return MW_OK;
    if (!is_disposition(f))
        return bad(err, f, 0, "body disposition");
    b->disposition = f;
    f += f->subtree;
    if (--left == 0)
        return MW_OK;
    if (!is_language(f))
        return bad(err, f, 0, "body language");
    b->language = f;
    f += f->subtree;
    if (--left == 0)
        return MW_OK;
    if (!nstring_node(f))
        return bad(err, f, 0, "body location");
    b->location = f;
    f += f->subtree;
    if (--left == 0)
        return MW_OK;
    b->extension = f;
    b->n_extension = left;
    for (; left; left--, f += f->subtree)
        if (!is_body_extension(f, 0))
            return bad(err, f, 0, "body extension");
    return MW_OK;
}

static mw_status body_get(const mw_imap_value *v, mw_imap_body *b,
                          mw_imap_error *err, int depth);

static mw_status body_multipart(const mw_imap_value *v, mw_imap_body *b,
                                mw_imap_error *err, int depth)
{
    const mw_imap_value *f = v + 1;
    uint32_t i = 0;
    b->multipart = 1;
    b->n_parts = 0;
    b->parts = f;
    for (; i < v->count && list_node(f); i++, f += f->subtree) {
        mw_imap_body sub;
        mw_status st = body_get(f, &sub, err, depth + 1);
        if (st != MW_OK)
            return st;
        b->n_parts++;
    }
    if (i == v->count || !string_node(f))
        return bad(err, i == v->count ? v : f, 0, "media subtype");
    b->subtype = f;
    return body_extensions(f + f->subtree, v->count - i - 1, b, err);
}

static mw_status body_single(const mw_imap_value *v, mw_imap_body *b,
                             mw_imap_error *err, int depth)
{
    b->multipart = 0;
    if (v->count < 7)
        return bad(err, v, 0, "body fields");
    const mw_imap_value *f = v + 1;
    if (!string_node(f))
        return bad(err, f, 0, "media type");
    b->type = f;
    f += f->subtree;
    if (!string_node(f))
        return bad(err, f, 0, "media subtype");
    b->subtype = f;
    f += f->subtree;
    if (!is_param_list(f))
        return bad(err, f, 0, "body parameters");
    b->params = f;
    f += f->subtree;
    if (!nstring_node(f))
        return bad(err, f, 0, "body id");
    b->id = f;
    f += f->subtree;
    if (!nstring_node(f))
        return bad(err, f, 0, "body description");
    b->description = f;
    f += f->subtree;
    /* NIL is tolerated for body-fld-enc: it is unambiguous, and a server
     * that lost a part's Content-Transfer-Encoding has nothing better. */
    if (!nstring_node(f))
        return bad(err, f, 0, "body encoding");
    b->encoding = f;
    f += f->subtree;
    if (!number_node(f))
        return bad(err, f, 0, "body size");
    b->octets = f;
    f += f->subtree;
    uint32_t used = 7;
    int message = WORD_IS(b->type->str, "MESSAGE") &&
                  (WORD_IS(b->subtype->str, "RFC822") ||
                   WORD_IS(b->subtype->str, "GLOBAL"));
    int text = WORD_IS(b->type->str, "TEXT");
    if (message && v->count >= 10 && list_node(f)) {
        mw_imap_envelope env;
        mw_status st = envelope_get(f, &env, err);
        if (st != MW_OK)
            return st;
        b->envelope = f;
        f += f->subtree;
        mw_imap_body inner;
        if ((st = body_get(f, &inner, err, depth + 1)) != MW_OK)
            return st;
        b->body = f;
        f += f->subtree;
        if (!number_node(f))
            return bad(err, f, 0, "body lines");
        b->lines = f;
        f += f->subtree;
        used += 3;
    } else if (message || text) {
        if (used >= v->count || !number_node(f))
            return bad(err, used >= v->count ? v : f, 0, "body lines");
        b->lines = f;
        f += f->subtree;
        used += 1;
    }
    return body_extensions(f, v->count - used, b, err);
}

/* Fills only the fields of \p b that the part has (mw_imap_body_get()
 * clears the rest first): the validators discard \p b, and clearing it
 * for every part cost as much as the checks. */
static mw_status body_get(const mw_imap_value *v, mw_imap_body *b,
                          mw_imap_error *err, int depth)
{
    if (depth > BODY_DEPTH_MAX)
        return bad(err, v, 0, "shallower body");
    if (!list_node(v) || v->count == 0)
        return bad(err, v, 0, "body");
    if (list_node(v + 1))
        return body_multipart(v, b, err, depth);
    return body_single(v, b, err, depth);
}

mw_status mw_imap_body_get(const mw_imap_value *v, mw_imap_body *b,
                           mw_imap_error *err)
{
    if (!v || !b)
        return MW_E_ARG;
    memset(b, 0, sizeof(*b));
    return body_get(v, b, err, 0);
}

/* ------------------------------------------------------------------ */
/* FETCH                                                               */
/* ------------------------------------------------------------------ */

static const name_map fetch_atoms[] = {
    NAME("FLAGS", MW_IMAP_FA_FLAGS),
    NAME("UID", MW_IMAP_FA_UID),
    NAME("INTERNALDATE", MW_IMAP_FA_INTERNALDATE),
    NAME("RFC822.SIZE", MW_IMAP_FA_RFC822_SIZE),
    NAME("MODSEQ", MW_IMAP_FA_MODSEQ),
    NAME("ENVELOPE", MW_IMAP_FA_ENVELOPE),
    NAME("BODYSTRUCTURE", MW_IMAP_FA_BODYSTRUCTURE),
    NAME("BODY", MW_IMAP_FA_BODY),
    NAME("RFC822", MW_IMAP_FA_RFC822),
    NAME("RFC822.HEADER", MW_IMAP_FA_RFC822_HEADER),
    NAME("RFC822.TEXT", MW_IMAP_FA_RFC822_TEXT),
};

static uint32_t fetch_att(const mw_imap_value *name)
{
    if (name->type == MW_IMAP_V_ATOM)
        return lookup(fetch_atoms, MWI_ARRAY_LEN(fetch_atoms), name->str,
                      MW_IMAP_FA_UNKNOWN);
    if (name->type != MW_IMAP_V_SECTION)
        return MW_IMAP_FA_UNKNOWN;
    if (WORD_IS(name->str, "BINARY.SIZE"))
        return MW_IMAP_FA_BINARY_SIZE;
    if (WORD_IS(name->str, "BINARY"))
        return MW_IMAP_FA_BINARY;
    /* "BODY.PEEK[...]" in a response is taken as BODY[...]: servers have
     * been seen echoing the command's attribute name. */
    return MW_IMAP_FA_BODY_SECTION;
}

static mw_status fetch_value(mw_imap_fetch_item *it, mw_imap_error *err)
{
    const mw_imap_value *v = it->value;
    mw_imap_envelope env;
    mw_imap_body body;
    switch (it->att) {
    case MW_IMAP_FA_FLAGS:
        if (!is_list(v) || !all_atoms(v + 1, v->count))
            return bad(err, v, 0, "flag list");
        return MW_OK;
    case MW_IMAP_FA_UID:
    case MW_IMAP_FA_RFC822_SIZE:
    case MW_IMAP_FA_BINARY_SIZE:
        if (!is_number(v))
            return bad(err, v, 0, "number");
        it->number = v->num;
        return MW_OK;
    case MW_IMAP_FA_MODSEQ:
        if (!is_list(v) || v->count != 1 || !is_number(v + 1))
            return bad(err, v, 0, "(mod-sequence)");
        it->number = v[1].num;
        return MW_OK;
    case MW_IMAP_FA_INTERNALDATE:
        if (!v_string(v))
            return bad(err, v, 0, "date-time");
        return MW_OK;
    case MW_IMAP_FA_ENVELOPE:
        return envelope_get(v, &env, err);
    case MW_IMAP_FA_BODY:
    case MW_IMAP_FA_BODYSTRUCTURE:
        return body_get(v, &body, err, 0);
    case MW_IMAP_FA_BODY_SECTION:
    case MW_IMAP_FA_BINARY:
    case MW_IMAP_FA_RFC822:
    case MW_IMAP_FA_RFC822_HEADER:
    case MW_IMAP_FA_RFC822_TEXT:
        if (!is_nstring(v))
            return bad(err, v, 0, "nstring");
        return MW_OK;
    default:
        return MW_OK;
    }
}

/* The item whose name is \p name (its value follows it). */
static mw_status fetch_item_at(const mw_imap_value *name,
                               mw_imap_fetch_item *item, mw_imap_error *err)
{
    if (name->type != MW_IMAP_V_ATOM && name->type != MW_IMAP_V_SECTION)
        return bad(err, name, 0, "fetch attribute");
    item->name = name;
    item->value = name + name->subtree;
    item->att = fetch_att(name);
    return fetch_value(item, err);
}

mw_status mw_imap_fetch_item_get(const mw_imap_value *list, uint32_t i,
                                 mw_imap_fetch_item *item, mw_imap_error *err)
{
    if (!list || !item || !is_list(list))
        return MW_E_ARG;
    memset(item, 0, sizeof(*item));
    if (list->count % 2)
        return bad(err, list, 0, "fetch attribute value");
    if ((uint64_t)i * 2 >= list->count)
        return MW_DONE;
    return fetch_item_at(v_child(list, i * 2), item, err);
}

/* ------------------------------------------------------------------ */
/* Responses                                                           */
/* ------------------------------------------------------------------ */

static const name_map status_names[] = {
    NAME("OK", MW_IMAP_R_OK),   NAME("NO", MW_IMAP_R_NO),
    NAME("BAD", MW_IMAP_R_BAD), NAME("PREAUTH", MW_IMAP_R_PREAUTH),
    NAME("BYE", MW_IMAP_R_BYE),
};

static const name_map data_names[] = {
    NAME("CAPABILITY", MW_IMAP_R_CAPABILITY),
    NAME("LIST", MW_IMAP_R_LIST),
    NAME("LSUB", MW_IMAP_R_LSUB),
    NAME("STATUS", MW_IMAP_R_STATUS),
    NAME("SEARCH", MW_IMAP_R_SEARCH),
    NAME("ESEARCH", MW_IMAP_R_ESEARCH),
    NAME("FLAGS", MW_IMAP_R_FLAGS),
    NAME("VANISHED", MW_IMAP_R_VANISHED),
    NAME("NAMESPACE", MW_IMAP_R_NAMESPACE),
    NAME("ENABLED", MW_IMAP_R_ENABLED),
    NAME("ID", MW_IMAP_R_ID),
    NAME("QUOTA", MW_IMAP_R_QUOTA),
    NAME("QUOTAROOT", MW_IMAP_R_QUOTAROOT),
    NAME("SORT", MW_IMAP_R_SORT),
    NAME("THREAD", MW_IMAP_R_THREAD),
};

static const name_map numbered_names[] = {
    NAME("EXISTS", MW_IMAP_R_EXISTS),
    NAME("RECENT", MW_IMAP_R_RECENT),
    NAME("EXPUNGE", MW_IMAP_R_EXPUNGE),
    NAME("FETCH", MW_IMAP_R_FETCH),
};

/* resp-text: optional code, optional text. */
static mw_status resp_text(const mw_imap_value *v, uint32_t n,
                           mw_imap_response *r, mw_imap_error *err)
{
    if (n && v->type == MW_IMAP_V_CODE) {
        mw_status st = mw_imap_code_get(v, &r->code, err);
        if (st != MW_OK)
            return st;
        v += v->subtree;
        n--;
    }
    if (n && v->type == MW_IMAP_V_TEXT) {
        r->text = v->str;
        n--;
    }
    if (n)
        return bad(err, v, 0, "CRLF");
    return MW_OK;
}

static mw_status namespace_arg(const mw_imap_value *v, mw_imap_error *err)
{
    if (v_nil(v))
        return MW_OK;
    if (!is_list(v) || v->count == 0)
        return bad(err, v, 0, "namespace");
    const mw_imap_value *d = v + 1;
    for (uint32_t i = 0; i < v->count; i++, d += d->subtree)
        if (!is_list(d) || d->count < 2 || !v_string(d + 1) ||
            !(v_nil(d + 2) || v_string(d + 2)))
            return bad(err, d, 0, "namespace descriptor");
    return MW_OK;
}

static mw_status check_list(const mw_imap_response *r, mw_imap_error *err)
{
    const mw_imap_value *a = r->args;
    if (r->n_args < 3 || !is_list(a) || !all_atoms(a + 1, a->count))
        return bad(err, a, 0, "mailbox flags");
    const mw_imap_value *d = a + a->subtree;
    /* A literal delimiter is accepted too: it is still one character,
     * and an 8-bit one cannot be re-sent quoted without UTF8=ACCEPT. */
    if (!v_nil(d) && !(v_string(d) && d->str.len == 1))
        return bad(err, d, 0, "hierarchy delimiter");
    const mw_imap_value *m = d + d->subtree;
    if (!is_astring(m))
        return bad(err, m, 0, "mailbox");
    return MW_OK;
}

static mw_status check_status(const mw_imap_response *r, mw_imap_error *err)
{
    const mw_imap_value *m = r->args;
    if (r->n_args != 2 || !is_astring(m))
        return bad(err, m, 0, "mailbox");
    const mw_imap_value *l = m + m->subtree;
    if (!is_list(l) || l->count % 2)
        return bad(err, l, 0, "status attributes");
    const mw_imap_value *c = l + 1;
    for (uint32_t i = 0; i < l->count; i += 2) {
        if (c->type != MW_IMAP_V_ATOM)
            return bad(err, c, 0, "status attribute");
        c += c->subtree;
        if (!is_number(c))
            return bad(err, c, 0, "number");
        c += c->subtree;
    }
    return MW_OK;
}

static mw_status check_search(const mw_imap_response *r, mw_imap_error *err)
{
    const mw_imap_value *a = r->args;
    for (uint32_t i = 0; i < r->n_args; i++, a += a->subtree) {
        if (is_number(a))
            continue;
        /* CONDSTORE: "(MODSEQ n)" closes the list (RFC 7162 3.1.5). */
        if (i + 1 == r->n_args && is_list(a) && a->count == 2 &&
            ATOM_IS(a + 1, "MODSEQ") && is_number(a + 2))
            continue;
        return bad(err, a, 0, "number");
    }
    return MW_OK;
}

static mw_status check_data(const mw_imap_response *r, mw_imap_error *err,
                            uint64_t end)
{
    const mw_imap_value *a = r->args;
    mw_imap_fetch_item it;
    switch (r->type) {
    case MW_IMAP_R_CAPABILITY:
    case MW_IMAP_R_ENABLED:
        if ((r->type == MW_IMAP_R_CAPABILITY && r->n_args == 0) ||
            !all_atoms(a, r->n_args))
            return bad(err, a, end, "capability");
        return MW_OK;
    case MW_IMAP_R_LIST:
    case MW_IMAP_R_LSUB:
        return check_list(r, err);
    case MW_IMAP_R_STATUS:
        return check_status(r, err);
    case MW_IMAP_R_SEARCH:
        return check_search(r, err);
    case MW_IMAP_R_SORT:
        if (!all_numbers(a, r->n_args))
            return bad(err, a, end, "number");
        return MW_OK;
    case MW_IMAP_R_FLAGS:
        if (r->n_args != 1 || !is_list(a) || !all_atoms(a + 1, a->count))
            return bad(err, a, end, "flag list");
        return MW_OK;
    case MW_IMAP_R_EXISTS:
    case MW_IMAP_R_RECENT:
    case MW_IMAP_R_EXPUNGE:
        if (r->n_args)
            return bad(err, a, end, "CRLF");
        return MW_OK;
    case MW_IMAP_R_FETCH:
        if (r->n_args != 1 || !is_list(a))
            return bad(err, a, end, "fetch attributes");
        if (a->count % 2)
            return bad(err, a, 0, "fetch attribute value");
        /* Walks the pairs in place: mw_imap_fetch_item_get() would seek
         * from the list start for every item. */
        for (const mw_imap_value *n = a + 1; n < a + a->subtree;) {
            memset(&it, 0, sizeof(it));
            mw_status st = fetch_item_at(n, &it, err);
            if (st != MW_OK)
                return st;
            n = it.value + it.value->subtree;
        }
        return MW_OK;
    case MW_IMAP_R_VANISHED:
        if (r->n_args == 2 && is_list(a) && a->count == 1 &&
            ATOM_IS(a + 1, "EARLIER"))
            a += a->subtree;
        else if (r->n_args != 1)
            return bad(err, a, end, "(EARLIER) or known-uids");
        if (!is_seqset(a))
            return bad(err, a, end, "known-uids");
        return MW_OK;
    case MW_IMAP_R_NAMESPACE:
        if (r->n_args != 3)
            return bad(err, a, end, "three namespaces");
        for (int i = 0; i < 3; i++, a += a->subtree) {
            mw_status st = namespace_arg(a, err);
            if (st != MW_OK)
                return st;
        }
        return MW_OK;
    case MW_IMAP_R_ID:
        if (r->n_args != 1 || !(v_nil(a) || is_list(a)))
            return bad(err, a, end, "ID parameters");
        return MW_OK;
    case MW_IMAP_R_QUOTA:
        if (r->n_args != 2 || !is_astring(a) || !is_list(a + a->subtree))
            return bad(err, a, end, "quota root and resources");
        return MW_OK;
    case MW_IMAP_R_QUOTAROOT:
        for (uint32_t i = 0; i < r->n_args; i++, a += a->subtree)
            if (!is_astring(a))
                return bad(err, a, end, "mailbox");
        if (r->n_args == 0)
            return bad(err, NULL, end, "mailbox");
        return MW_OK;
    case MW_IMAP_R_THREAD:
        for (uint32_t i = 0; i < r->n_args; i++, a += a->subtree)
            if (!is_list(a))
                return bad(err, a, end, "thread list");
        return MW_OK;
    default:
        return MW_OK;
    }
}

static mw_status untagged(const mw_imap_unit *u, mw_imap_response *r,
                          mw_imap_error *err)
{
    const mw_imap_value *v = u->values;
    uint64_t end = u->end;
    if (u->n_top == 0 || v->type != MW_IMAP_V_ATOM)
        return bad(err, v, end, "response keyword");
    r->name = v->str;
    uint32_t st_type = lookup(status_names, MWI_ARRAY_LEN(status_names), v->str,
                              MW_IMAP_R_UNKNOWN);
    if (st_type != MW_IMAP_R_UNKNOWN) {
        r->type = st_type;
        return resp_text(v + 1, u->n_top - 1, r, err);
    }
    r->args = u->n_top > 1 ? v + 1 : NULL;
    r->n_args = u->n_top - 1;
    if (is_number(v) && u->n_top >= 2 && v[1].type == MW_IMAP_V_ATOM) {
        r->number = v->num;
        r->name = v[1].str;
        r->type = lookup(numbered_names, MWI_ARRAY_LEN(numbered_names),
                         v[1].str, MW_IMAP_R_UNKNOWN);
        r->args = u->n_top > 2 ? v + 2 : NULL;
        r->n_args = u->n_top - 2;
    } else {
        r->type = lookup(data_names, MWI_ARRAY_LEN(data_names), v->str,
                         MW_IMAP_R_UNKNOWN);
    }
    /* Unknown data is kept as it came: extensions add responses all the
     * time and the generic tree holds them. */
    return check_data(r, err, end);
}

mw_status mw_imap_response_get(const mw_imap_unit *u, uint32_t flags,
                               mw_imap_response *r, mw_imap_error *err)
{
    (void)flags;
    if (!u || !r || (u->n_top && !u->values))
        return MW_E_ARG;
    memset(r, 0, sizeof(*r));
    r->kind = u->kind;
    r->tag = u->tag;
    switch (u->kind) {
    case MW_IMAP_UNIT_CONTINUATION:
        r->type = MW_IMAP_R_CONTINUATION;
        return resp_text(u->values, u->n_top, r, err);
    case MW_IMAP_UNIT_TAGGED: {
        const mw_imap_value *v = u->values;
        if (u->n_top == 0 ||
            !(ATOM_IS(v, "OK") || ATOM_IS(v, "NO") || ATOM_IS(v, "BAD")))
            return bad(err, v, u->offset, "OK, NO or BAD");
        r->name = v->str;
        r->type = lookup(status_names, MWI_ARRAY_LEN(status_names), v->str,
                         MW_IMAP_R_UNKNOWN);
        return resp_text(v + 1, u->n_top - 1, r, err);
    }
    case MW_IMAP_UNIT_UNTAGGED:
        return untagged(u, r, err);
    default:
        return MW_E_ARG;
    }
}
